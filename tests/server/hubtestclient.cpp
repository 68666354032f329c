#include "tests/server/hubtestclient.h"

#include "protocol/hubprotocol.h"
#include "tests/support/testhttp.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QTest>
#include <QUrlQuery>

namespace farmchat::test {

HubTestClient::HubTestClient(QObject *parent) : QObject(parent)
{
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &HubTestClient::onText);
    connect(&m_socket, &QWebSocket::disconnected, this, [this] {
        m_disconnected = true;
        m_closeCode = m_socket.closeCode();
        m_closeReason = m_socket.closeReason();
    });
}

HubTestClient::~HubTestClient()
{
    m_socket.abort();
}

bool HubTestClient::open(quint16 port, const QString &id, const QByteArray &origin, int timeoutMs)
{
    QUrl url;
    url.setScheme(QStringLiteral("ws"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port);
    url.setPath(QStringLiteral("/chat"));
    if (!id.isEmpty()) {
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("id"), id);
        url.setQuery(query);
    }
    QNetworkRequest request(url);
    if (!origin.isEmpty())
        request.setRawHeader("Origin", origin);
    m_socket.open(request);
    return QTest::qWaitFor([this] { return isOpen() || m_disconnected; }, timeoutMs) && isOpen();
}

bool HubTestClient::handshake(int timeoutMs)
{
    sendText(hubprotocol::writeHandshakeRequest());
    if (!QTest::qWaitFor([this] { return !m_awaitingHandshake || m_disconnected; }, timeoutMs))
        return false;
    return m_handshakeResponse == "{}";
}

bool HubTestClient::connectNegotiated(quint16 port, int timeoutMs)
{
    QUrl url(QStringLiteral("http://127.0.0.1:%1/chat/negotiate?negotiateVersion=1").arg(port));
    const HttpReply reply = httpRequest("POST", url, {}, {}, timeoutMs);
    if (reply.status != 200)
        return false;
    const QString token
        = QJsonDocument::fromJson(reply.body).object().value(u"connectionToken").toString();
    return !token.isEmpty() && open(port, token, {}, timeoutMs) && handshake(timeoutMs);
}

void HubTestClient::sendText(const QByteArray &bytes)
{
    m_socket.sendTextMessage(QString::fromUtf8(bytes));
}

QString HubTestClient::invoke(const QString &target, const QJsonArray &arguments)
{
    const QString id = QString::number(++m_nextId);
    sendText(hubprotocol::writeMessage(HubMessage::invocation(target, arguments, id)));
    return id;
}

void HubTestClient::invokeNonBlocking(const QString &target, const QJsonArray &arguments)
{
    sendText(hubprotocol::writeMessage(HubMessage::invocation(target, arguments)));
}

std::optional<HubMessage> HubTestClient::waitForCompletion(
    const QString &invocationId, int timeoutMs)
{
    std::optional<HubMessage> found;
    (void)QTest::qWaitFor(
        [&] {
            for (const HubMessage &m : std::as_const(m_messages)) {
                if (m.type == HubMessageType::Completion && m.invocationId == invocationId) {
                    found = m;
                    return true;
                }
            }
            return m_disconnected;
        },
        timeoutMs);
    return found;
}

std::optional<HubMessage> HubTestClient::call(
    const QString &target, const QJsonArray &arguments, int timeoutMs)
{
    return waitForCompletion(invoke(target, arguments), timeoutMs);
}

QList<HubMessage> HubTestClient::invocations(const QString &target) const
{
    QList<HubMessage> list;
    for (const HubMessage &m : m_messages) {
        if (m.type == HubMessageType::Invocation && m.target == target)
            list.append(m);
    }
    return list;
}

bool HubTestClient::waitForInvocations(const QString &target, int count, int timeoutMs)
{
    return QTest::qWaitFor([&] { return invocations(target).size() >= count; }, timeoutMs);
}

QList<HubMessage> HubTestClient::messagesOfType(HubMessageType type) const
{
    QList<HubMessage> list;
    for (const HubMessage &m : m_messages) {
        if (m.type == type)
            list.append(m);
    }
    return list;
}

std::optional<HubMessage> HubTestClient::closeMessage() const
{
    const auto closes = messagesOfType(HubMessageType::Close);
    if (closes.isEmpty())
        return std::nullopt;
    return closes.first();
}

bool HubTestClient::waitForClosed(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_disconnected; }, timeoutMs);
}

void HubTestClient::onText(const QString &text)
{
    m_buffer.append(text.toUtf8());
    while (auto record = m_buffer.takeRecord()) {
        if (m_awaitingHandshake) {
            m_awaitingHandshake = false;
            m_handshakeResponse = *record;
            continue;
        }
        const auto parsed = hubprotocol::parseMessage(*record);
        if (parsed)
            m_messages.append(parsed.value());
        else
            m_badRecords.append(*record);
    }
}

} // namespace farmchat::test
