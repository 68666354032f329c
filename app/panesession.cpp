#include "app/panesession.h"

#include "app/messagelistmodel.h"
#include "client/deliverytracker.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QTimer>

#include <utility>

namespace farmchat {

Q_LOGGING_CATEGORY(lcAppPane, "farmchat.app.pane")

namespace {

ChatClientOptions paneClientOptions(const PaneRoute &route)
{
    ChatClientOptions options;
    options.hub.skipNegotiation = route.skipNegotiation;
    // Behind a balancer the node is whichever it picked: ask after each connect.
    options.identifyNode = route.viaBalancer;
    // A pane should come back within a couple of seconds of its node, not ten.
    options.hub.reconnect.maxDelayMs = 2000;
    options.hub.reconnect.firstDelayMs = 250;
    // A pane opened on a running conversation shows the recent past.
    options.historyOnJoin = true;
    options.historyPageSize = 200;
    options.maxHistoryPages = 5;
    return options;
}

} // namespace

PaneSession::PaneSession(int index, const QString &nodeId, const QUrl &url,
    DeliveryTracker &tracker, PaneRoute route, QObject *parent)
    : QObject(parent)
    , m_index(index)
    , m_paneId(QStringLiteral("pane-%1").arg(index + 1))
    , m_nodeId(nodeId)
    , m_route(route)
    , m_tracker(tracker)
    , m_client(std::make_unique<ChatClient>(url, paneClientOptions(route)))
    , m_messages(std::make_unique<MessageListModel>())
{
    m_tracker.addPane(m_paneId, m_nodeId); // and whether it is connected, below
    m_retryTimer.setSingleShot(true);
    m_retryTimer.setInterval(kRetryMs);
    connect(&m_retryTimer, &QTimer::timeout, this, [this] {
        if (m_wanted)
            m_client->start();
    });
    HubConnection &hub = m_client->connection();
    connect(&hub, &HubConnection::stateChanged, this, &PaneSession::stateChanged);
    m_tracker.setPaneConnected(m_paneId, hub.state() == HubConnection::State::Connected);
    connect(&hub, &HubConnection::stateChanged, this, [this](HubConnection::State state) {
        m_tracker.setPaneConnected(m_paneId, state == HubConnection::State::Connected);
    });
    connect(&hub, &HubConnection::disconnected, this, [this](const QString &reason) {
        m_lastError = reason;
        // HubConnection does not retry a first connect that failed, nor after
        // giving up; a pane keeps trying for as long as it is wanted.
        if (m_wanted)
            m_retryTimer.start();
    });
    connect(&hub, &HubConnection::reconnecting, this,
        [this](const QString &reason) { m_lastError = reason; });
    connect(m_client.get(), &ChatClient::messageReceived, this, &PaneSession::onMessage);
    connect(m_client.get(), &ChatClient::duplicateSuppressed, this, [this](const ChatMessage &m) {
        // Not shown again, but the matrix counts the second copy.
        m_tracker.recordReceived(m_paneId, m, QDateTime::currentMSecsSinceEpoch(), false);
    });
    connect(m_client.get(), &ChatClient::deliveryWarning, this,
        [this](const QString &id, const QString &text) {
            m_messages->setWarning(id, text);
            m_tracker.recordWarning(id); // the node counted it: a loss pub/sub documents
        });
    connect(m_client.get(), &ChatClient::errorOccurred, this, [this](const QString &error) {
        qCInfo(lcAppPane, "%s: %s", qPrintable(m_paneId), qPrintable(error));
        Q_EMIT errorOccurred(error);
    });
    connect(m_client.get(), &ChatClient::caughtUp, this,
        [this](const QString &, int) { Q_EMIT caughtUp(std::exchange(m_caughtUpFromOthers, 0)); });
    connect(m_client.get(), &ChatClient::servedByChanged, this, [this](const QString &node) {
        // "" while disconnected: the pane stays with the node it was on until
        // it lands somewhere again.
        if (node.isEmpty() || node == m_nodeId)
            return;
        qCInfo(lcAppPane, "%s: served by %s", qPrintable(m_paneId), qPrintable(node));
        m_nodeId = node;
        m_tracker.setPaneNode(m_paneId, node);
        Q_EMIT nodeChanged(node);
    });
}

void PaneSession::moveTo(const QString &nodeId, const QUrl &url)
{
    qCInfo(lcAppPane, "%s: moves to %s", qPrintable(m_paneId), qPrintable(nodeId));
    m_nodeId = nodeId;
    m_tracker.setPaneNode(m_paneId, nodeId);
    Q_EMIT nodeChanged(nodeId);
    m_client->moveTo(url);
}

bool PaneSession::isMissingStickySession(const QString &error)
{
    // HubConnection's words for the 404 a node answers to a connection token
    // it never issued (ASP.NET Core's "No Connection with that ID").
    return error.contains(u"No Connection with that ID");
}

PaneSession::~PaneSession() = default;

void PaneSession::start()
{
    m_wanted = true;
    m_client->start();
}

void PaneSession::stop()
{
    m_wanted = false;
    m_retryTimer.stop();
    m_client->stop();
}

void PaneSession::setName(const QString &name)
{
    m_client->setName(name, [this, name](const Result<void> &result) {
        if (!result)
            Q_EMIT errorOccurred(QStringLiteral("name '%1' refused: %2").arg(name, result.error()));
    });
}

QString PaneSession::queuedStatus(BackplaneMode modeAtSend)
{
    // Only streams holds a message back: it answers once Redis has it.
    return modeAtSend == BackplaneMode::Streams ? tr("◷ queued on the node — waiting for Redis")
                                                : tr("◷ waiting for the node…");
}

void PaneSession::send(const QString &text, BackplaneMode modeAtSend, const QString &room)
{
    const qint64 sentAt = QDateTime::currentMSecsSinceEpoch();
    const QString localId = QStringLiteral("sending:%1:%2").arg(m_paneId).arg(m_nextLocalId++);
    ChatMessage shown;
    shown.room = room;
    shown.from = m_client->name();
    shown.text = text;
    shown.node = m_nodeId;
    shown.sentAt = sentAt;
    shown.via = Via::Local;
    m_messages->appendSending(localId, shown, tr("sending…"));
    SentMessage sent;
    sent.id = localId;
    sent.senderPane = m_paneId;
    sent.room = room;
    sent.originNode = m_nodeId;
    sent.mode = modeAtSend;
    sent.sentAtMs = sentAt;
    Q_EMIT sending(localId, text);
    m_tracker.recordSending(sent);
    m_unanswered.insert(localId);
    QTimer::singleShot(kQueuedAfterMs, this, [this, localId, modeAtSend] {
        if (m_unanswered.contains(localId))
            m_messages->setStatus(localId, queuedStatus(modeAtSend));
    });
    m_client->send(text, room, [this, text, localId](const Result<QString> &id) {
        m_unanswered.remove(localId);
        if (id) {
            Q_EMIT accepted(id.value(), text);
            m_messages->confirmSending(localId, id.value());
            m_tracker.confirmSent(localId, id.value());
        } else {
            m_messages->failSending(localId, id.error());
            m_tracker.refuseSent(localId);
        }
        Q_EMIT sendFinished(text, id);
    });
}

void PaneSession::onMessage(const ChatMessage &message, bool fromHistory)
{
    m_tracker.recordReceived(m_paneId, message, QDateTime::currentMSecsSinceEpoch(), fromHistory);
    // The id comes back in the Completion, which may trail the broadcast; a
    // pane is the only client of its node, so name and node identify its own.
    const bool own = message.node == m_nodeId && message.from == m_client->name();
    m_messages->append(message, fromHistory, own);
    if (fromHistory && !own)
        ++m_caughtUpFromOthers;
    Q_EMIT messageArrived(message, fromHistory);
}

} // namespace farmchat
