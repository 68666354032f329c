#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QString>

namespace farmchat {

// One HTTP response the node writes: a status, headers and a whole body (the
// node's answers are small, so no streaming). Every error is JSON {"error": ...}.
struct HttpResponse
{
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    static HttpResponse json(int status, const QJsonValue &value);
    static HttpResponse error(int status, const QString &message);
    static HttpResponse bytes(int status, QByteArray body, QByteArray contentType);

    HttpResponse &setHeader(QByteArray name, QByteArray value);
    QByteArray header(QByteArrayView name) const;

    // The wire form. HEAD answers carry the length of the body they leave out.
    QByteArray serialize(bool keepAlive, bool headOnly = false) const;

    static QByteArray reasonPhrase(int status);
};

} // namespace farmchat
