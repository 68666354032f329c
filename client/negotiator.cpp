#include "client/negotiator_p.h"

#include "client/logging_p.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkCookieJar>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrlQuery>

namespace farmchat {

Negotiator::Negotiator(QObject *parent) : QObject(parent) { }

Negotiator::~Negotiator()
{
    abort();
    // We may be destroyed from a slot of one of its replies: let the manager
    // (and the replies it owns) go from the event loop.
    if (m_network)
        m_network.release()->deleteLater();
}

QUrl Negotiator::negotiateUrl(const QUrl &hubUrl)
{
    QUrl url = hubUrl;
    if (url.scheme() == u"ws")
        url.setScheme(QStringLiteral("http"));
    else if (url.scheme() == u"wss")
        url.setScheme(QStringLiteral("https"));
    QString path = url.path();
    while (path.endsWith(u'/'))
        path.chop(1);
    url.setPath(path + QStringLiteral("/negotiate"));
    QUrlQuery query(url);
    query.removeAllQueryItems(QStringLiteral("negotiateVersion"));
    query.addQueryItem(QStringLiteral("negotiateVersion"), QStringLiteral("1"));
    url.setQuery(query);
    return url;
}

QUrl Negotiator::webSocketUrl(const QUrl &hubUrl, const QString &connectionToken)
{
    QUrl url = hubUrl;
    if (url.scheme() == u"http")
        url.setScheme(QStringLiteral("ws"));
    else if (url.scheme() == u"https")
        url.setScheme(QStringLiteral("wss"));
    if (!connectionToken.isEmpty()) {
        QUrlQuery query(url);
        query.removeAllQueryItems(QStringLiteral("id"));
        // Encoded like encodeURIComponent in the JS client, so '+', '%' or '&'
        // in a token arrive as themselves.
        QString encoded = query.toString(QUrl::FullyEncoded);
        if (!encoded.isEmpty())
            encoded += u'&';
        encoded += QStringLiteral("id=")
            + QString::fromLatin1(QUrl::toPercentEncoding(connectionToken));
        url.setQuery(encoded, QUrl::StrictMode);
    }
    return url;
}

Result<Negotiator::Response> Negotiator::parseResponse(const QByteArray &body)
{
    using R = Result<Response>;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return R::failure(QStringLiteral("negotiate response is not valid JSON: %1")
                              .arg(parseError.errorString()));
    if (!doc.isObject())
        return R::failure(QStringLiteral("negotiate response is not a JSON object"));
    const QJsonObject o = doc.object();

    // The server may refuse with {"error": "..."} (TransportProtocols.md, "negotiate").
    const QJsonValue error = o.value(u"error");
    if (error.isString())
        return R::failure(
            QStringLiteral("the server refused to negotiate: %1").arg(error.toString().left(200)));
    if (o.contains(u"url"))
        return R::failure(
            QStringLiteral("the server redirects to another URL; redirects are not supported"));

    Response result;
    const QJsonValue version = o.value(u"negotiateVersion");
    result.negotiateVersion = version.isDouble() ? version.toInt() : 0;
    const QJsonValue connectionId = o.value(u"connectionId");
    if (!connectionId.isString() || connectionId.toString().isEmpty())
        return R::failure(QStringLiteral("negotiate response has no 'connectionId'"));
    result.connectionId = connectionId.toString();
    if (result.negotiateVersion >= 1) {
        const QJsonValue token = o.value(u"connectionToken");
        if (!token.isString() || token.toString().isEmpty())
            return R::failure(
                QStringLiteral("negotiate response (version %1) has no 'connectionToken'")
                    .arg(result.negotiateVersion));
        result.connectionToken = token.toString();
    } else {
        result.connectionToken = result.connectionId; // version 0 uses the id on the wire
    }

    const QJsonValue transports = o.value(u"availableTransports");
    if (!transports.isArray())
        return R::failure(QStringLiteral("negotiate response has no 'availableTransports' array"));
    QStringList offered;
    for (const QJsonValue &t : transports.toArray()) {
        const QJsonObject transport = t.toObject();
        const QString name = transport.value(u"transport").toString();
        offered.append(name.left(40));
        if (name != u"WebSockets")
            continue;
        const QJsonArray formats = transport.value(u"transferFormats").toArray();
        if (formats.contains(QJsonValue(QStringLiteral("Text"))))
            return result;
    }
    return R::failure(
        QStringLiteral("the server does not offer WebSockets with text frames (offered: %1)")
            .arg(offered.isEmpty() ? QStringLiteral("nothing") : offered.join(u", ")));
}

void Negotiator::start(
    const QUrl &hubUrl, const QString &origin, int timeoutMs, qint64 maxReplyBytes)
{
    abort();
    if (!m_network) {
        m_network = std::make_unique<QNetworkAccessManager>();
        if (m_cookieJar) {
            // The manager adopts a jar it is given; the connection keeps owning it.
            QObject *owner = m_cookieJar->parent();
            m_network->setCookieJar(m_cookieJar);
            m_cookieJar->setParent(owner);
        }
    }
    // A hub on this machine is never behind a proxy; asking the system's
    // proxy resolver about it costs a lookup in the manager's thread.
    const QString host = hubUrl.host();
    const bool loopback
        = host.compare(u"localhost", Qt::CaseInsensitive) == 0 || QHostAddress(host).isLoopback();
    m_network->setProxy(loopback ? QNetworkProxy(QNetworkProxy::NoProxy) : QNetworkProxy());
    QNetworkRequest request(negotiateUrl(hubUrl));
    request.setHeader(
        QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("text/plain;charset=UTF-8"));
    request.setRawHeader("X-Requested-With", "XMLHttpRequest");
    if (!origin.isEmpty())
        request.setRawHeader("Origin", origin.toUtf8());
    request.setTransferTimeout(timeoutMs);
    request.setAttribute(
        QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    m_maxReplyBytes = maxReplyBytes;
    m_tooLarge = false;
    qCDebug(lcHubConnection) << "negotiating" << request.url().toDisplayString();
    QNetworkReply *reply = m_network->post(request, QByteArray());
    m_reply = reply; // owned by m_network
    connect(reply, &QNetworkReply::readyRead, this, &Negotiator::onReadyRead);
    connect(reply, &QNetworkReply::finished, this, &Negotiator::onFinished);
}

void Negotiator::abort()
{
    if (QNetworkReply *reply = m_reply.data()) {
        m_reply.clear();
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void Negotiator::onReadyRead()
{
    // The body is read once finished; refuse to buffer more than a sane reply.
    if (m_reply && m_reply->bytesAvailable() > m_maxReplyBytes) {
        m_tooLarge = true;
        m_reply->abort();
    }
}

void Negotiator::onFinished()
{
    QNetworkReply *reply = m_reply.data();
    if (!reply || sender() != reply)
        return;
    m_reply.clear();
    reply->deleteLater();

    auto fail = [this](const QString &error) { Q_EMIT finished(Result<Response>::failure(error)); };
    if (m_tooLarge)
        return fail(
            QStringLiteral("negotiate response is larger than %1 bytes").arg(m_maxReplyBytes));
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    // A reply that failed before any answer is not open; reading it only warns.
    const QByteArray body = reply->isOpen() ? reply->read(m_maxReplyBytes + 1) : QByteArray();
    if (status == 0 || (reply->error() != QNetworkReply::NoError && status < 400)) {
        return fail(QStringLiteral("negotiate request to %1 failed: %2")
                        .arg(reply->url().toDisplayString(), reply->errorString()));
    }
    if (status != 200) {
        const QString reason
            = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
        return fail(QStringLiteral("negotiate failed with HTTP %1 %2: %3")
                        .arg(status)
                        .arg(reason, QString::fromUtf8(body.left(200)).trimmed()));
    }
    if (body.size() > m_maxReplyBytes)
        return fail(
            QStringLiteral("negotiate response is larger than %1 bytes").arg(m_maxReplyBytes));
    Q_EMIT finished(parseResponse(body));
}

} // namespace farmchat
