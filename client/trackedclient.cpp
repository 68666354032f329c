#include "client/trackedclient.h"

#include "client/deliverytracker.h"

#include <QDateTime>

namespace farmchat {

TrackedClient::TrackedClient(const QString &paneId, const QString &nodeId, const QUrl &url,
    DeliveryTracker &tracker, ChatClientOptions options, QObject *parent)
    : QObject(parent)
    , m_paneId(paneId)
    , m_nodeId(nodeId)
    , m_tracker(tracker)
    , m_client(std::make_unique<ChatClient>(url, std::move(options)))
{
    m_tracker.addPane(m_paneId, m_nodeId);
    m_retryTimer.setSingleShot(true);
    m_retryTimer.setInterval(kRetryMs);
    connect(&m_retryTimer, &QTimer::timeout, this, [this] {
        if (m_wanted)
            m_client->start();
    });
    HubConnection &hub = m_client->connection();
    connect(&hub, &HubConnection::disconnected, this, [this](const QString &reason) {
        m_lastError = reason;
        // HubConnection does not retry a first connect that failed, nor after
        // giving up; a tracked client keeps trying for as long as it is wanted.
        if (m_wanted)
            m_retryTimer.start();
    });
    connect(&hub, &HubConnection::reconnecting, this,
        [this](const QString &reason) { m_lastError = reason; });
    m_tracker.setPaneConnected(m_paneId, hub.state() == HubConnection::State::Connected);
    connect(&hub, &HubConnection::stateChanged, this, [this](HubConnection::State state) {
        m_tracker.setPaneConnected(m_paneId, state == HubConnection::State::Connected);
    });
    connect(m_client.get(), &ChatClient::messageReceived, this,
        [this](const ChatMessage &message, bool fromHistory) {
            m_tracker.recordReceived(
                m_paneId, message, QDateTime::currentMSecsSinceEpoch(), fromHistory);
            Q_EMIT messageArrived(message, fromHistory);
        });
    connect(m_client.get(), &ChatClient::duplicateSuppressed, this, [this](const ChatMessage &m) {
        // Not shown again, but the matrix counts the second copy.
        m_tracker.recordReceived(m_paneId, m, QDateTime::currentMSecsSinceEpoch(), false);
    });
    connect(m_client.get(), &ChatClient::deliveryWarning, this,
        [this](const QString &id, const QString &text) {
            m_tracker.recordWarning(id); // the node counted it: a loss pub/sub documents
            Q_EMIT deliveryWarning(id, text);
        });
    connect(m_client.get(), &ChatClient::servedByChanged, this, [this](const QString &node) {
        // "" while disconnected: the client stays with the node it was on
        // until it lands somewhere again.
        if (!node.isEmpty())
            changeNode(node);
    });
}

TrackedClient::~TrackedClient() = default;

void TrackedClient::start()
{
    m_wanted = true;
    m_client->start();
}

void TrackedClient::stop()
{
    m_wanted = false;
    m_retryTimer.stop();
    m_client->stop();
}

bool TrackedClient::isMissingStickySession(const QString &error)
{
    // HubConnection's words for the 404 a node answers to a connection token
    // it never issued (ASP.NET Core's "No Connection with that ID").
    return error.contains(u"No Connection with that ID");
}

void TrackedClient::changeNode(const QString &nodeId)
{
    if (nodeId == m_nodeId)
        return;
    m_nodeId = nodeId;
    m_tracker.setPaneNode(m_paneId, nodeId);
    Q_EMIT nodeChanged(nodeId);
}

void TrackedClient::moveTo(const QString &nodeId, const QUrl &url)
{
    changeNode(nodeId);
    m_client->moveTo(url);
}

QString TrackedClient::nextLocalId() const
{
    return QStringLiteral("sending:%1:%2").arg(m_paneId).arg(m_nextLocalId);
}

QString TrackedClient::send(
    const QString &text, BackplaneMode modeAtSend, const QString &room, ChatClient::SendDone done)
{
    const QString localId = nextLocalId();
    ++m_nextLocalId;
    SentMessage sent;
    sent.id = localId;
    sent.senderPane = m_paneId;
    sent.room = room;
    sent.originNode = m_nodeId;
    sent.mode = modeAtSend;
    sent.sentAtMs = QDateTime::currentMSecsSinceEpoch();
    m_tracker.recordSending(sent);
    m_unanswered.insert(localId);
    m_client->send(text, room, [this, localId, done](const Result<QString> &id) {
        m_unanswered.remove(localId);
        if (done)
            done(id);
        if (id)
            m_tracker.confirmSent(localId, id.value());
        else
            m_tracker.refuseSent(localId);
    });
    return localId;
}

} // namespace farmchat
