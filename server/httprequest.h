#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

namespace farmchat {

// One parsed HTTP/1.x request head (RFC 9112), as HttpRequestParser returns it
// and the node's routes read it. Header names are stored lower-cased.
struct HttpRequest
{
    QByteArray method; // "GET", "POST", ...
    QByteArray target; // raw request-target, e.g. "/rooms/a%20b/messages?limit=5"
    QString path; // percent-decoded path, e.g. "/rooms/a b/messages"
    QList<QByteArray> pathSegments; // raw (still encoded) segments of the path
    QUrlQuery query;
    int versionMinor = 1; // HTTP/1.<versionMinor>
    QList<QPair<QByteArray, QByteArray>> headers;
    qint64 contentLength = 0;
    qsizetype headerBytes = 0; // size of the head including the blank line
    QByteArray body; // filled by the connection once contentLength bytes arrived

    // The value of the first header with this (lower-case) name; empty if absent.
    QByteArray header(QByteArrayView lowerName) const;
    bool hasHeader(QByteArrayView lowerName) const;
    // True when a comma-separated header (Connection, Upgrade) lists `token`,
    // compared case-insensitively.
    bool headerHasToken(QByteArrayView lowerName, QByteArrayView token) const;
    bool wantsKeepAlive() const;
    bool isWebSocketUpgrade() const;
};

} // namespace farmchat
