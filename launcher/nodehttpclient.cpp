#include "launcher/nodehttpclient_p.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkProxy>
#include <QNetworkReply>

namespace farmchat {

namespace {

constexpr qint64 kMaxBodyBytes = 64 * 1024; // /health and admin answers are small

QNetworkRequest makeRequest(const QUrl &node, const QString &path, int timeoutMs)
{
    QUrl url = node;
    url.setPath(path);
    QNetworkRequest request(url);
    request.setTransferTimeout(timeoutMs);
    request.setAttribute(
        QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(
        QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    return request;
}

// "HTTP 401: <first line of the body>" or the transport error.
QString replyError(QNetworkReply &reply, const QByteArray &body)
{
    const int status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0)
        return reply.errorString();
    QString text = QStringLiteral("HTTP %1").arg(status);
    const QString detail = QString::fromUtf8(body.left(300)).section(u'\n', 0, 0).trimmed();
    if (!detail.isEmpty())
        text += QStringLiteral(": ") + detail;
    return text;
}

// A reply that failed before any answer (refused, timed out) is not open:
// reading it would only make Qt warn.
QByteArray readBody(QNetworkReply &reply)
{
    return reply.isOpen() ? reply.read(kMaxBodyBytes) : QByteArray();
}

bool succeeded(QNetworkReply &reply)
{
    const int status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    return reply.error() == QNetworkReply::NoError && status >= 200 && status < 300;
}

} // namespace

NodeHttpClient::NodeHttpClient(QObject *parent) : QObject(parent)
{
    // Nodes are on loopback; an http_proxy from the environment must not intercept.
    m_manager.setProxy(QNetworkProxy::NoProxy);
}

void NodeHttpClient::getHealth(const QUrl &node, int timeoutMs, QObject *context, HealthDone done)
{
    QNetworkReply *reply = m_manager.get(makeRequest(node, QStringLiteral("/health"), timeoutMs));
    connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
    connect(reply, &QNetworkReply::finished, context, [reply, done = std::move(done)] {
        const QByteArray body = readBody(*reply);
        if (!succeeded(*reply)) {
            done(Result<NodeHealth>::failure(replyError(*reply, body)));
            return;
        }
        done(NodeHealth::fromJson(body));
    });
}

void NodeHttpClient::putBackplane(const QUrl &node, const QByteArray &adminToken,
    BackplaneMode mode, int timeoutMs, QObject *context, AdminDone done)
{
    QNetworkRequest request = makeRequest(node, QStringLiteral("/admin/backplane"), timeoutMs);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Authorization", "Bearer " + adminToken);
    const QByteArray body = QJsonDocument(
        QJsonObject {{QStringLiteral("mode"),
            modeName(mode)}}).toJson(QJsonDocument::Compact);
    QNetworkReply *reply = m_manager.put(request, body);
    connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
    connect(reply, &QNetworkReply::finished, context, [reply, done = std::move(done)] {
        const QByteArray answer = readBody(*reply);
        done(
            succeeded(*reply) ? Result<void>() : Result<void>::failure(replyError(*reply, answer)));
    });
}

} // namespace farmchat
