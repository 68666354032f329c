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
    options.historyOnJoin = route.historyOnJoin;
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
    , m_route(route)
    , m_tracked(
          std::make_unique<TrackedClient>(m_paneId, nodeId, url, tracker, paneClientOptions(route)))
    , m_messages(std::make_unique<MessageListModel>())
{
    connect(&client().connection(), &HubConnection::stateChanged, this, &PaneSession::stateChanged);
    connect(m_tracked.get(), &TrackedClient::messageArrived, this, &PaneSession::onMessage);
    connect(m_tracked.get(), &TrackedClient::deliveryWarning, m_messages.get(),
        &MessageListModel::setWarning);
    connect(&client(), &ChatClient::errorOccurred, this, [this](const QString &error) {
        qCInfo(lcAppPane, "%s: %s", qPrintable(m_paneId), qPrintable(error));
        Q_EMIT errorOccurred(error);
    });
    connect(&client(), &ChatClient::caughtUp, this,
        [this](const QString &, int) { Q_EMIT caughtUp(std::exchange(m_caughtUpFromOthers, 0)); });
    connect(m_tracked.get(), &TrackedClient::nodeChanged, this, [this](const QString &node) {
        qCInfo(lcAppPane, "%s: served by %s", qPrintable(m_paneId), qPrintable(node));
        Q_EMIT nodeChanged(node);
    });
}

void PaneSession::moveTo(const QString &nodeId, const QUrl &url)
{
    m_tracked->moveTo(nodeId, url);
}

PaneSession::~PaneSession() = default;

void PaneSession::start()
{
    m_tracked->start();
}

void PaneSession::stop()
{
    m_tracked->stop();
}

void PaneSession::setName(const QString &name)
{
    client().setName(name, [this, name](const Result<void> &result) {
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
    ChatMessage shown;
    shown.room = room;
    shown.from = client().name();
    shown.text = text;
    shown.node = nodeId();
    shown.sentAt = QDateTime::currentMSecsSinceEpoch();
    shown.via = Via::Local;
    // The pane shows the text before the tracker's row appears, as the
    // node's answer reaches the pane before the tracker.
    const QString localId = m_tracked->nextLocalId();
    m_messages->appendSending(localId, shown, tr("sending…"));
    Q_EMIT sending(localId, text);
    m_tracked->send(text, modeAtSend, room, [this, text, localId](const Result<QString> &id) {
        if (id) {
            Q_EMIT accepted(id.value(), text);
            m_messages->confirmSending(localId, id.value());
        } else {
            m_messages->failSending(localId, id.error());
        }
        Q_EMIT sendFinished(text, id);
    });
    QTimer::singleShot(kQueuedAfterMs, this, [this, localId, modeAtSend] {
        if (m_tracked->isUnanswered(localId))
            m_messages->setStatus(localId, queuedStatus(modeAtSend));
    });
}

void PaneSession::onMessage(const ChatMessage &message, bool fromHistory)
{
    // The id comes back in the Completion, which may trail the broadcast; a
    // pane is the only client of its node, so name and node identify its own.
    const bool own = message.node == nodeId() && message.from == client().name();
    m_messages->append(message, fromHistory, own);
    if (fromHistory && !own)
        ++m_caughtUpFromOthers;
    Q_EMIT messageArrived(message, fromHistory);
}

} // namespace farmchat
