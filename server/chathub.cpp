#include "server/chathub_p.h"

#include "protocol/hubcontract.h"
#include "protocol/hubprotocol.h"
#include "protocol/limits.h"
#include "server/hubsession_p.h"
#include "server/nodemetrics.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QTimer>

#include <cmath>

namespace farmchat {

Q_LOGGING_CATEGORY(lcHub, "farmchat.node.hub", QtInfoMsg)

namespace {

using hubcontract::Method;

QString countError(const Method &method, qsizetype got)
{
    return QStringLiteral("%1 expects %2 argument%3 (%4), got %5")
        .arg(method.name)
        .arg(method.argumentCount)
        .arg(method.argumentCount == 1 ? "" : "s")
        .arg(method.parameters)
        .arg(got);
}

QString typeError(const Method &method, const char *argument, const QString &type)
{
    return QStringLiteral("%1: '%2' must be %3").arg(method.name, QLatin1String(argument), type);
}

QString typeError(const Method &method, const char *argument, const char *type)
{
    return typeError(method, argument, QLatin1String(type));
}

// "SendToRoom: room name must not be empty"
QString methodError(const Method &method, const QString &why)
{
    return method.name + QLatin1String(": ") + why;
}

} // namespace

ChatHub::ChatHub(
    QString nodeId, int historyPerRoom, Backplane &backplane, NodeMetrics &metrics, QObject *parent)
    : QObject(parent)
    , m_nodeId(std::move(nodeId))
    , m_bootTag(QString::number(QDateTime::currentMSecsSinceEpoch(), 36))
    , m_backplane(backplane)
    , m_metrics(metrics)
    , m_history(historyPerRoom, 256, [this](const QString &room) { return m_rooms.contains(room); })
{
    connect(&m_backplane, &Backplane::deliver, this, &ChatHub::onDeliver);
    connect(&m_backplane, &Backplane::historyReset, this, &ChatHub::onHistoryReset);
    connect(&m_backplane, &Backplane::roomReady, this, &ChatHub::answerJoinsWaitingFor);
    // Every connection is in the lobby, so the node always listens to it.
    m_backplane.watchRoom(kLobby);
}

ChatHub::~ChatHub() = default;

void ChatHub::addSession(HubSession *session)
{
    if (m_sessions.contains(session))
        return;
    Member &member = m_sessions[session];
    member.name = QStringLiteral("user-%1").arg(++m_nameCounter);
    join(session, member, kLobby);
    qCDebug(lcHub) << session->connectionId() << "joined as" << member.name;
}

void ChatHub::removeSession(HubSession *session)
{
    const auto it = m_sessions.find(session);
    if (it == m_sessions.end())
        return;
    Member member = std::move(*it);
    m_sessions.erase(it);
    const QStringList rooms = member.rooms; // leave() edits member.rooms
    for (const QString &room : rooms)
        leave(session, member, room);
}

QStringList ChatHub::roomsOf(HubSession *session) const
{
    const auto it = m_sessions.constFind(session);
    if (it == m_sessions.cend())
        return {};
    QStringList rooms = it->rooms;
    rooms.sort();
    return rooms;
}

QString ChatHub::nameOf(HubSession *session) const
{
    return m_sessions.value(session).name;
}

void ChatHub::join(HubSession *session, Member &member, const QString &room)
{
    if (!member.rooms.contains(room))
        member.rooms.append(room);
    QSet<HubSession *> &members = m_rooms[room];
    members.insert(session);
    if (members.size() == 1 && room != kLobby)
        m_backplane.watchRoom(room);
}

void ChatHub::leave(HubSession *session, Member &member, const QString &room)
{
    member.rooms.removeOne(room);
    const auto it = m_rooms.find(room);
    if (it == m_rooms.end())
        return;
    it->remove(session);
    if (it->isEmpty()) {
        m_rooms.erase(it);
        if (room != kLobby) {
            m_backplane.unwatchRoom(room);
            answerJoinsWaitingFor(room); // no longer read: nothing to wait for
        }
    }
}

void ChatHub::replyWhenRoomReady(const QString &room, ReplyFn reply)
{
    if (m_backplane.isRoomReady(room))
        return reply(Reply::done());
    auto waiting = std::make_shared<ReplyFn>(std::move(reply));
    m_joinsWaiting[room].append(waiting);
    QTimer::singleShot(kRoomReadyWaitMs, this, [this, room, waiting] {
        if (!*waiting)
            return;
        qCWarning(lcHub).noquote()
            << QStringLiteral("room %1: the backplane did not read it within %2 ms; JoinRoom "
                              "answered anyway (messages sent now may not reach this node)")
                   .arg(room)
                   .arg(kRoomReadyWaitMs);
        if (const auto it = m_joinsWaiting.find(room); it != m_joinsWaiting.end()) {
            it->removeOne(waiting);
            if (it->isEmpty())
                m_joinsWaiting.erase(it);
        }
        std::exchange(*waiting, nullptr)(Reply::done());
    });
}

void ChatHub::answerJoinsWaitingFor(const QString &room)
{
    // Taken first: a reply may lead to another join or leave of the room.
    const QList<std::shared_ptr<ReplyFn>> waiting = m_joinsWaiting.take(room);
    for (const std::shared_ptr<ReplyFn> &reply : waiting) {
        if (*reply)
            std::exchange(*reply, nullptr)(Reply::done());
    }
}

ChatHub::Reply ChatHub::fail(const char *reason, QString error)
{
    ++m_metrics.invocationsRejected[QString::fromLatin1(reason)];
    return Reply::failure(std::move(error));
}

void ChatHub::invoke(HubSession *session, const HubMessage &invocation, ReplyFn reply)
{
    const auto it = m_sessions.find(session);
    if (it == m_sessions.end()) {
        reply(fail("not_connected", QStringLiteral("the connection is closing")));
        return;
    }
    using Call = void (ChatHub::*)(HubSession *, Member &, const QJsonArray &, ReplyFn);
    // Keyed in lower case: hub method names are case-insensitive, as in ASP.NET Core SignalR.
    static const QHash<QString, Call> calls = {
        {QString(hubcontract::kSend.name).toLower(), &ChatHub::callSend},
        {QString(hubcontract::kSendToRoom.name).toLower(), &ChatHub::callSendToRoom},
        {QString(hubcontract::kJoinRoom.name).toLower(), &ChatHub::callJoinRoom},
        {QString(hubcontract::kLeaveRoom.name).toLower(), &ChatHub::callLeaveRoom},
        {QString(hubcontract::kSetName.name).toLower(), &ChatHub::callSetName},
        {QString(hubcontract::kHistory.name).toLower(), &ChatHub::callHistory},
        {QString(hubcontract::kWhoAmI.name).toLower(), &ChatHub::callWhoAmI},
    };
    const Call call = calls.value(invocation.target.toLower());
    if (!call) {
        reply(fail("unknown_method",
            QStringLiteral("unknown method '%1'").arg(invocation.target.left(64))));
        return;
    }
    (this->*call)(session, *it, invocation.arguments, std::move(reply));
}

void ChatHub::callSend(HubSession *s, Member &, const QJsonArray &args, ReplyFn reply)
{
    const Method &method = hubcontract::kSend;
    if (args.size() != method.argumentCount)
        return reply(fail("bad_arguments", countError(method, args.size())));
    if (!args[0].isString())
        return reply(fail("bad_arguments", typeError(method, "text", "a string")));
    publish(s, kLobby, args[0].toString(), std::move(reply));
}

void ChatHub::callSendToRoom(HubSession *s, Member &, const QJsonArray &args, ReplyFn reply)
{
    const Method &method = hubcontract::kSendToRoom;
    if (args.size() != method.argumentCount)
        return reply(fail("bad_arguments", countError(method, args.size())));
    if (!args[0].isString() || !args[1].isString())
        return reply(fail("bad_arguments", typeError(method, "room' and 'text", "strings")));
    const QString room = args[0].toString();
    if (const auto valid = checkRoomName(room); !valid)
        return reply(fail("bad_arguments", methodError(method, valid.error())));
    publish(s, room, args[1].toString(), std::move(reply));
}

void ChatHub::callJoinRoom(HubSession *s, Member &m, const QJsonArray &args, ReplyFn reply)
{
    const Method &method = hubcontract::kJoinRoom;
    if (args.size() != method.argumentCount)
        return reply(fail("bad_arguments", countError(method, args.size())));
    if (!args[0].isString())
        return reply(fail("bad_arguments", typeError(method, "room", "a string")));
    const QString room = args[0].toString();
    if (const auto valid = checkRoomName(room); !valid)
        return reply(fail("bad_arguments", methodError(method, valid.error())));
    if (!m.rooms.contains(room)) {
        if (m.rooms.size() >= limits::kMaxRoomsPerConnection)
            return reply(fail("too_many_rooms",
                methodError(method,
                    QStringLiteral("a connection may be in at most %1 rooms")
                        .arg(limits::kMaxRoomsPerConnection))));
        join(s, m, room);
    }
    replyWhenRoomReady(room, std::move(reply));
}

void ChatHub::callLeaveRoom(HubSession *s, Member &m, const QJsonArray &args, ReplyFn reply)
{
    const Method &method = hubcontract::kLeaveRoom;
    if (args.size() != method.argumentCount)
        return reply(fail("bad_arguments", countError(method, args.size())));
    if (!args[0].isString())
        return reply(fail("bad_arguments", typeError(method, "room", "a string")));
    const QString room = args[0].toString();
    if (room == kLobby)
        return reply(fail("bad_arguments",
            methodError(method, QStringLiteral("every connection stays in 'lobby'"))));
    if (const auto valid = checkRoomName(room); !valid)
        return reply(fail("bad_arguments", methodError(method, valid.error())));
    leave(s, m, room);
    reply(Reply::done());
}

void ChatHub::callSetName(HubSession *, Member &m, const QJsonArray &args, ReplyFn reply)
{
    const Method &method = hubcontract::kSetName;
    if (args.size() != method.argumentCount)
        return reply(fail("bad_arguments", countError(method, args.size())));
    if (!args[0].isString())
        return reply(fail("bad_arguments", typeError(method, "name", "a string")));
    const QString name = args[0].toString();
    if (const auto valid = checkUserName(name); !valid)
        return reply(fail("bad_arguments", methodError(method, valid.error())));
    m.name = name;
    reply(Reply::done());
}

void ChatHub::callWhoAmI(HubSession *s, Member &m, const QJsonArray &args, ReplyFn reply)
{
    const Method &method = hubcontract::kWhoAmI;
    if (args.size() != method.argumentCount)
        return reply(fail("bad_arguments", countError(method, args.size())));
    namespace whoami = hubcontract::whoami;
    reply(Reply::value(QJsonObject {{whoami::kNode, m_nodeId},
        {whoami::kConnectionId, s->connectionId()}, {whoami::kName, m.name}}));
}

void ChatHub::callHistory(HubSession *, Member &, const QJsonArray &args, ReplyFn reply)
{
    const Method &method = hubcontract::kHistory;
    if (args.size() != method.argumentCount)
        return reply(fail("bad_arguments", countError(method, args.size())));
    if (!args[0].isString())
        return reply(fail("bad_arguments", typeError(method, "room", "a string")));
    if (!args[1].isString() && !args[1].isNull())
        return reply(fail("bad_arguments", typeError(method, "afterId", "a string or null")));
    const double limit = args[2].toDouble(-1);
    if (!args[2].isDouble() || limit != std::floor(limit) || limit < 1
        || limit > limits::kMaxHistoryLimit)
        return reply(fail("bad_arguments",
            typeError(method, "limit",
                QStringLiteral("a whole number from 1 to %1").arg(limits::kMaxHistoryLimit))));
    const QString room = args[0].toString();
    if (const auto valid = checkRoomName(room); !valid)
        return reply(fail("bad_arguments", methodError(method, valid.error())));
    const QString afterId = args[1].toString();
    if (afterId.size() > 256)
        return reply(fail("bad_arguments",
            methodError(method, QStringLiteral("'afterId' is longer than 256 characters"))));
    NodeMetrics *metrics = &m_metrics;
    history(room, afterId, int(limit),
        [reply = std::move(reply), metrics](const Result<QList<ChatMessage>> &messages) {
            if (!messages) {
                ++metrics->invocationsRejected[QStringLiteral("history_failed")];
                reply(Reply::failure(methodError(hubcontract::kHistory, messages.error())));
                return;
            }
            QJsonArray array;
            for (const ChatMessage &message : messages.value())
                array.append(message.toJson());
            reply(Reply::value(array));
        });
}

void ChatHub::history(
    const QString &room, const QString &afterId, int limit, Backplane::HistoryDone done)
{
    if (m_backplane.servesHistory())
        m_backplane.history(room, afterId, limit, std::move(done));
    else
        done(m_history.after(room, afterId, limit));
}

void ChatHub::publish(HubSession *session, const QString &room, const QString &text, ReplyFn reply)
{
    if (const auto valid = checkMessageText(text); !valid)
        return reply(fail("bad_arguments", valid.error()));
    ChatMessage message;
    message.id = QStringLiteral("%1:%2:%3").arg(m_nodeId, m_bootTag).arg(++m_sequence);
    message.room = room;
    message.from = m_sessions.value(session).name;
    message.text = text;
    message.node = m_nodeId;
    message.sentAt = QDateTime::currentMSecsSinceEpoch();
    message.via = Via::Local;
    ++m_metrics.messagesReceived[QStringLiteral("local")];

    const QPointer<HubSession> sender(session);
    NodeMetrics *metrics = &m_metrics;
    m_backplane.publish(
        message, [sender, metrics, reply = std::move(reply)](const PublishOutcome &outcome) {
            if (!outcome) {
                // A full Redis is not a broken link: it needs memory, not patience.
                ++metrics->invocationsRejected[outcome.error().redisFull
                        ? QStringLiteral("redis_full")
                        : QStringLiteral("publish_failed")];
                reply(Reply::failure(outcome.error().text));
                return;
            }
            // Local clients have it, other nodes may not: tell the sender before the result.
            if (!outcome->warning.isEmpty() && sender)
                sender->send(HubMessage::invocation(
                    hubcontract::kDeliveryWarning.name, {outcome->id, outcome->warning}));
            reply(Reply::value(outcome->id));
        });
}

void ChatHub::onDeliver(const ChatMessage &message)
{
    // Counted by origin: this node's own messages coming back through streams
    // were counted as local when sent.
    if (message.via != Via::Local && message.node != m_nodeId) {
        ++m_metrics.messagesReceived[viaName(message.via)];
        const qint64 lag = QDateTime::currentMSecsSinceEpoch() - message.sentAt;
        m_metrics.backplaneLag.record(double(qMax<qint64>(0, lag)));
    }
    m_history.append(message);
    const auto it = m_rooms.constFind(message.room);
    if (it == m_rooms.cend())
        return;
    // Encoded once for every recipient; each session queues the same bytes and
    // writes all it got this turn in one frame.
    const QByteArray record = hubprotocol::writeMessage(
        HubMessage::invocation(hubcontract::kMessageReceived.name, {message.toJson()}));
    // Queuing closes nobody (the send queue is checked when writing), so the
    // room's set is walked as it is.
    for (HubSession *session : *it) {
        if (!session->isOpen())
            continue;
        session->sendRecord(record);
        ++m_metrics.messagesDelivered;
    }
}

void ChatHub::onHistoryReset(const QString &room)
{
    const auto it = m_rooms.constFind(room);
    if (it == m_rooms.cend())
        return;
    const QByteArray record = hubprotocol::writeMessage(
        HubMessage::invocation(hubcontract::kHistoryReset.name, {room}));
    for (HubSession *session : *it)
        session->sendRecord(record);
}

} // namespace farmchat
