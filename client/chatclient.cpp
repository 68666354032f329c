#include "client/chatclient.h"

#include "client/logging_p.h"
#include "client/recentids_p.h"
#include "protocol/hubcontract.h"

#include <QJsonObject>
#include <QPointer>
#include <QTimer>

#include <algorithm>

namespace farmchat {

namespace {

QUrl hubUrlOf(const QUrl &nodeUrl, const QString &hubPath)
{
    QUrl url = nodeUrl;
    QString path = url.path();
    while (path.endsWith(u'/'))
        path.chop(1);
    url.setPath(path + hubPath);
    return url;
}

// The hub options with the other nodes' hubs as fallbacks.
HubConnectionOptions withFallbacks(
    HubConnectionOptions options, const QList<QUrl> &nodeUrls, const QString &hubPath)
{
    options.fallbackUrls.clear();
    for (qsizetype i = 1; i < nodeUrls.size(); ++i)
        options.fallbackUrls.append(hubUrlOf(nodeUrls.at(i), hubPath));
    return options;
}

// A call's outcome without its value, for a Done.
Result<void> outcome(const Result<QJsonValue> &result)
{
    return result ? Result<void>() : Result<void>::failure(result.error());
}

} // namespace

ChatClient::ChatClient(const QUrl &nodeUrl, ChatClientOptions options, QObject *parent)
    : ChatClient(QList<QUrl> {nodeUrl}, std::move(options), parent)
{ }

ChatClient::ChatClient(const QList<QUrl> &nodeUrls, ChatClientOptions options, QObject *parent)
    : QObject(parent)
    , m_nodeUrls(nodeUrls.isEmpty() ? QList<QUrl> {QUrl()} : nodeUrls)
    , m_options(std::move(options))
    , m_hub(std::make_unique<HubConnection>(hubUrlOf(m_nodeUrls.first(), m_options.hubPath),
          withFallbacks(m_options.hub, m_nodeUrls, m_options.hubPath)))
{
    connect(m_hub.get(), &HubConnection::connected, this, [this] { onUp(false); });
    connect(m_hub.get(), &HubConnection::reconnected, this, [this] { onUp(true); });
    connect(m_hub.get(), &HubConnection::stateChanged, this, [this](HubConnection::State state) {
        if (state != HubConnection::State::Connected) {
            ++m_epoch; // answers still on their way belong to a connection that is gone
            m_catchingUp.clear();
            if (!m_servedBy.isEmpty()) {
                m_servedBy.clear();
                Q_EMIT servedByChanged(m_servedBy);
            }
        }
    });
    connect(m_hub.get(), &HubConnection::invocationReceived, this, &ChatClient::onInvocation);
}

void ChatClient::moveTo(const QUrl &nodeUrl)
{
    m_nodeUrls = {nodeUrl};
    m_hub->moveTo(hubUrlOf(nodeUrl, m_options.hubPath));
}

ChatClient::~ChatClient() = default;

QStringList ChatClient::rooms() const
{
    QStringList list(m_rooms.cbegin(), m_rooms.cend());
    list.append(kLobby);
    std::sort(list.begin(), list.end());
    return list;
}

void ChatClient::finishLater(Done done, const Result<void> &result)
{
    if (done)
        QTimer::singleShot(0, this, [done = std::move(done), result] { done(result); });
}

void ChatClient::setName(const QString &name, Done done)
{
    if (const auto valid = checkUserName(name); !valid)
        return finishLater(std::move(done), valid);
    const QString previous = m_name;
    m_name = name;
    if (!isConnected())
        return finishLater(std::move(done));
    const quint64 epoch = m_epoch;
    m_hub->invoke(hubcontract::kSetName.name, {name},
        [this, epoch, previous, name, done = std::move(done)](const Result<QJsonValue> &result) {
            // Refused: keep what the node has. Lost with the connection: keep
            // the new name, the reconnect applies it.
            if (!result && epoch == m_epoch && m_name == name)
                m_name = previous;
            if (done)
                done(outcome(result));
        });
}

void ChatClient::joinRoom(const QString &room, Done done)
{
    if (const auto valid = checkRoomName(room); !valid)
        return finishLater(std::move(done), valid);
    if (room == kLobby || m_rooms.contains(room))
        return finishLater(std::move(done));
    m_rooms.insert(room);
    if (!isConnected())
        return finishLater(std::move(done));
    const quint64 epoch = m_epoch;
    m_hub->invoke(hubcontract::kJoinRoom.name, {room},
        [this, room, epoch, done = std::move(done)](const Result<QJsonValue> &result) {
            if (!result) {
                // Refused (or lost): only a refusal means the node will not have us.
                if (epoch == m_epoch)
                    m_rooms.remove(room);
            } else if (epoch == m_epoch && m_options.historyOnJoin) {
                catchUp(room);
            }
            if (done)
                done(outcome(result));
        });
}

void ChatClient::leaveRoom(const QString &room, Done done)
{
    if (room == kLobby)
        return finishLater(std::move(done),
            Result<void>::failure(QStringLiteral("every connection stays in lobby")));
    if (!m_rooms.remove(room))
        return finishLater(std::move(done));
    m_lastSeen.remove(room);
    m_recent.erase(room);
    m_catchingUp.remove(room);
    if (!isConnected())
        return finishLater(std::move(done));
    m_hub->invoke(hubcontract::kLeaveRoom.name, {room},
        [done = std::move(done)](const Result<QJsonValue> &result) {
            if (done)
                done(outcome(result));
        });
}

void ChatClient::send(const QString &text, const QString &room, SendDone done)
{
    auto finish = [this, done](const Result<QString> &id) {
        if (id)
            ++m_stats.sent;
        else
            ++m_stats.sendFailed;
        Q_EMIT statsChanged();
        if (done)
            done(id);
    };
    Result<void> valid = checkMessageText(text);
    if (valid)
        valid = checkRoomName(room);
    if (!valid) {
        QTimer::singleShot(0, this,
            [finish, problem = valid.error()] { finish(Result<QString>::failure(problem)); });
        return;
    }
    const bool lobby = room == kLobby;
    m_hub->invoke(lobby ? hubcontract::kSend.name : hubcontract::kSendToRoom.name,
        lobby ? QJsonArray {text} : QJsonArray {room, text},
        [finish](const Result<QJsonValue> &result) {
            if (!result)
                return finish(Result<QString>::failure(result.error()));
            if (!result->isString() || result->toString().isEmpty())
                return finish(Result<QString>::failure(
                    QStringLiteral("the node accepted the message but returned no id")));
            finish(result->toString());
        });
}

void ChatClient::onUp(bool reconnect)
{
    ++m_epoch;
    if (reconnect) {
        ++m_stats.reconnects;
        Q_EMIT statsChanged();
    }
    const quint64 epoch = m_epoch;
    if (m_options.identifyNode) {
        m_hub->invoke(
            hubcontract::kWhoAmI.name, {}, [this, epoch](const Result<QJsonValue> &result) {
                if (epoch != m_epoch)
                    return;
                // A node without WhoAmI (another SignalR server) leaves it unknown.
                const QString node = result
                    ? result->toObject().value(hubcontract::whoami::kNode).toString()
                    : QString();
                if (node != m_servedBy) {
                    m_servedBy = node;
                    Q_EMIT servedByChanged(node);
                }
            });
    }
    // The node processes one connection's invocations in order, so name and
    // rooms are in place before any History answer comes back.
    if (!m_name.isEmpty()) {
        const QString name = m_name;
        m_hub->invoke(hubcontract::kSetName.name, {name},
            [this, epoch, name](const Result<QJsonValue> &result) {
                if (!result && epoch == m_epoch)
                    Q_EMIT errorOccurred(QStringLiteral("the node refused the name '%1': %2")
                                             .arg(name, result.error()));
            });
    }
    const bool catchUpAfter = reconnect || m_options.historyOnJoin;
    if (catchUpAfter)
        catchUp(kLobby);
    QStringList rooms(m_rooms.cbegin(), m_rooms.cend());
    std::sort(rooms.begin(), rooms.end());
    for (const QString &room : rooms)
        applyRoom(room, catchUpAfter);
}

void ChatClient::applyRoom(const QString &room, bool catchUpAfter)
{
    const quint64 epoch = m_epoch;
    m_hub->invoke(hubcontract::kJoinRoom.name, {room},
        [this, epoch, room, catchUpAfter](const Result<QJsonValue> &result) {
            if (epoch != m_epoch || !m_rooms.contains(room))
                return;
            if (!result) {
                // Kept: the next reconnect tries again.
                Q_EMIT errorOccurred(
                    QStringLiteral("could not rejoin room '%1': %2").arg(room, result.error()));
                return;
            }
            if (catchUpAfter)
                catchUp(room);
        });
}

void ChatClient::catchUp(const QString &room)
{
    if (m_catchingUp.contains(room))
        return;
    const quint64 token = m_nextToken++;
    m_catchingUp.insert(room, token);
    fetchHistoryPage(CatchUp {room, token}, m_lastSeen.value(room));
}

void ChatClient::fetchHistoryPage(const CatchUp &state, const QString &afterId)
{
    const quint64 epoch = m_epoch;
    const QJsonArray arguments {state.room,
        afterId.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(afterId),
        m_options.historyPageSize};
    auto current = [this, epoch, state] {
        return epoch == m_epoch && m_catchingUp.value(state.room) == state.token;
    };
    m_hub->invoke(hubcontract::kHistory.name, arguments,
        [this, current, state, afterId](const Result<QJsonValue> &result) {
            if (!current())
                return;
            const QString &room = state.room;
            if (!result || !result->isArray()) {
                const QString why
                    = result ? QStringLiteral("History did not return an array") : result.error();
                if (!afterId.isEmpty() && !state.fallbackUsed && state.page == 0) {
                    // The node may not know our cursor (it restarted and lost its
                    // history): take what it has; de-duplication does the rest.
                    qCInfo(lcChatClient) << "History after" << afterId << "in" << room
                                         << "failed:" << why << "- fetching recent history instead";
                    CatchUp next = state;
                    next.fallbackUsed = true;
                    return fetchHistoryPage(next, QString());
                }
                m_catchingUp.remove(room);
                Q_EMIT errorOccurred(
                    QStringLiteral("could not fetch the history of room '%1': %2").arg(room, why));
                return;
            }
            const QJsonArray entries = result->toArray();
            CatchUp next = state;
            QString lastId;
            const QPointer<ChatClient> self(this);
            for (const QJsonValue &entry : entries) {
                const auto message = ChatMessage::fromJson(entry);
                if (!message) {
                    Q_EMIT errorOccurred(
                        QStringLiteral("the node sent a malformed History entry: %1")
                            .arg(message.error()));
                } else {
                    lastId = message->id;
                    const quint64 before = m_stats.received;
                    deliver(message.value(), true);
                    next.fetched += int(m_stats.received - before);
                }
                if (!self || !current())
                    return;
            }
            if (!lastId.isEmpty())
                m_lastSeen.insert(room, lastId);
            ++next.page;
            if (entries.size() >= m_options.historyPageSize && next.page < m_options.maxHistoryPages
                && !lastId.isEmpty())
                return fetchHistoryPage(next, lastId);
            m_catchingUp.remove(room);
            Q_EMIT caughtUp(room, next.fetched);
        });
}

void ChatClient::onInvocation(const QString &target, const QJsonArray &arguments)
{
    // SignalR matches client method names without regard to case.
    if (target.compare(hubcontract::kMessageReceived.name, Qt::CaseInsensitive) == 0) {
        const auto message = ChatMessage::fromJson(arguments.at(0));
        if (!message) {
            Q_EMIT errorOccurred(
                QStringLiteral("the node sent a malformed message: %1").arg(message.error()));
            return;
        }
        deliver(message.value(), false);
    } else if (target.compare(hubcontract::kHistoryReset.name, Qt::CaseInsensitive) == 0) {
        const QString room = arguments.at(0).toString();
        if (!checkRoomName(room)) {
            Q_EMIT errorOccurred(QStringLiteral("the node sent historyReset without a valid room"));
            return;
        }
        m_lastSeen.remove(room);
        m_catchingUp.remove(room); // answers of the old catch-up no longer count
        const QPointer<ChatClient> self(this);
        Q_EMIT historyReset(room);
        if (self && isConnected())
            catchUp(room);
    } else if (target.compare(hubcontract::kDeliveryWarning.name, Qt::CaseInsensitive) == 0) {
        Q_EMIT deliveryWarning(arguments.at(0).toString(), arguments.at(1).toString());
    } else {
        qCDebug(lcChatClient) << "ignoring server invocation" << target;
    }
}

RecentIds &ChatClient::recentIds(const QString &room)
{
    std::unique_ptr<RecentIds> &ids = m_recent[room];
    if (!ids)
        ids = std::make_unique<RecentIds>(m_options.rememberedIdsPerRoom);
    return *ids;
}

void ChatClient::deliver(const ChatMessage &message, bool fromHistory)
{
    RecentIds &ids = recentIds(message.room);
    const RecentIds::Seen seen = ids.seen(message.id);
    if (fromHistory) {
        if (seen != RecentIds::Seen::No) {
            ++m_stats.historyOverlap;
            return;
        }
        ids.insert(message.id, false);
        ++m_stats.receivedFromHistory;
    } else {
        if (seen == RecentIds::Seen::Live) {
            ++m_stats.duplicatesSuppressed;
            Q_EMIT statsChanged();
            Q_EMIT duplicateSuppressed(message);
            return;
        }
        ids.insert(message.id, true);
        if (seen == RecentIds::Seen::ViaHistoryOnly)
            return; // shown already; History was just quicker than the broadcast
        if (!m_catchingUp.contains(message.room))
            m_lastSeen.insert(message.room, message.id);
    }
    ++m_stats.received;
    Q_EMIT statsChanged();
    Q_EMIT messageReceived(message, fromHistory);
}

} // namespace farmchat
