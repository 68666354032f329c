#pragma once

#include "core/result.h"

#include <QNetworkCookieJar>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

namespace farmchat {

// The first step of a SignalR connection (TransportProtocols.md, "negotiate"):
// POST {hub}/negotiate?negotiateVersion=1 and learn the connection token and
// whether the server offers WebSockets with text frames. Used by HubConnection
// unless it skips negotiation.
class Negotiator : public QObject
{
    Q_OBJECT
public:
    struct Response
    {
        QString connectionToken; // v1 `connectionToken`, or v0 `connectionId`
        QString connectionId;
        int negotiateVersion = 0;
    };

    explicit Negotiator(QObject *parent = nullptr);
    ~Negotiator() override;

    // Starts one request; an earlier one still running is abandoned. The
    // outcome arrives through finished(). `origin` (may be empty) is sent as
    // the Origin header; replies larger than `maxReplyBytes` are refused.
    void start(
        const QUrl &hubUrl, const QString &origin, int timeoutMs, qint64 maxReplyBytes = 64 * 1024);
    // Cookies the server sets (a load balancer's sticky-session cookie) go
    // into `jar`, and its cookies go with the request; the caller owns it and
    // keeps it alive while this object exists.
    void setCookieJar(QNetworkCookieJar *jar) { m_cookieJar = jar; }
    // Abandons a running request; finished() is not emitted for it.
    void abort();
    bool isRunning() const { return !m_reply.isNull(); }

    // Pure helpers, tested on their own.
    static Result<Response> parseResponse(const QByteArray &body);
    static QUrl negotiateUrl(const QUrl &hubUrl);
    // ws:// or wss:// URL of the hub, with `id=<token>` when a token is given.
    static QUrl webSocketUrl(const QUrl &hubUrl, const QString &connectionToken);

Q_SIGNALS:
    // The server's answer, or what went wrong.
    void finished(const farmchat::Result<farmchat::Negotiator::Response> &response);

private:
    void onReadyRead();
    void onFinished();

    std::unique_ptr<QNetworkAccessManager> m_network;
    QPointer<QNetworkReply> m_reply;
    QPointer<QNetworkCookieJar> m_cookieJar;
    qint64 m_maxReplyBytes = 0;
    bool m_tooLarge = false;
};

} // namespace farmchat
