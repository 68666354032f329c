#pragma once

#include "backplane/backplane.h"
#include "protocol/chatmessage.h"
#include "protocol/hubmessage.h"
#include "server/hubdispatcher_p.h"
#include "server/messagehistory_p.h"

#include <QHash>
#include <QObject>
#include <QSet>

#include <memory>

namespace farmchat {

struct NodeMetrics;

// The chat itself: the hub methods of protocol/hubcontract.h (Send,
// SendToRoom, JoinRoom, LeaveRoom, SetName, History), room membership,
// per-room history, and fan-out of every message the backplane delivers to
// the local sessions in its room. Messages leave only through the Backplane
// and arrive only through its deliver() signal, so the mode (off, pubsub,
// streams) never shows here.
class ChatHub : public QObject, public HubDispatcher
{
    Q_OBJECT
public:
    static inline const QString kLobby = QStringLiteral("lobby");
    // JoinRoom waits at most this long for the backplane to read the room
    // (Backplane::isRoomReady): longer than a Redis command's deadline, after
    // which the backplane no longer waits either, so it bites only when
    // something is stuck.
    static constexpr int kRoomReadyWaitMs = 5000;

    ChatHub(QString nodeId, int historyPerRoom, Backplane &backplane, NodeMetrics &metrics,
        QObject *parent = nullptr);
    ~ChatHub() override;

    // The session gets a default name and joins the lobby.
    void addSession(HubSession *session) override;
    void removeSession(HubSession *session) override;
    void invoke(HubSession *session, const HubMessage &invocation, ReplyFn reply) override;
    // Oldest first; from the backplane when it keeps farm-wide history, else local.
    void history(
        const QString &room, const QString &afterId, int limit, Backplane::HistoryDone done);

    int sessionCount() const { return int(m_sessions.size()); }
    // Rooms with at least one client on this node / rooms in its own ring buffer.
    int joinedRoomCount() const { return int(m_rooms.size()); }
    int historyRoomCount() const { return m_history.roomCount(); }
    QStringList roomsOf(HubSession *session) const;
    QString nameOf(HubSession *session) const;
    const QString &nodeId() const { return m_nodeId; }

private:
    struct Member
    {
        QString name;
        // A list: a connection is in a few rooms (at most 32), and a
        // QSet<QString> costs over 1 KiB per connection for the lobby alone.
        QStringList rooms;
    };

    void onDeliver(const ChatMessage &message);
    void onHistoryReset(const QString &room);
    // JoinRoom's Completion, once messages other nodes send to `room` reach
    // this node: one sent after it is never missed.
    void replyWhenRoomReady(const QString &room, ReplyFn reply);
    void answerJoinsWaitingFor(const QString &room);
    void join(HubSession *session, Member &member, const QString &room);
    void leave(HubSession *session, Member &member, const QString &room);
    void publish(HubSession *session, const QString &room, const QString &text, ReplyFn reply);
    Reply fail(const char *reason, QString error);

    void callSend(HubSession *s, Member &m, const QJsonArray &args, ReplyFn reply);
    void callSendToRoom(HubSession *s, Member &m, const QJsonArray &args, ReplyFn reply);
    void callJoinRoom(HubSession *s, Member &m, const QJsonArray &args, ReplyFn reply);
    void callLeaveRoom(HubSession *s, Member &m, const QJsonArray &args, ReplyFn reply);
    void callSetName(HubSession *s, Member &m, const QJsonArray &args, ReplyFn reply);
    void callWhoAmI(HubSession *s, Member &m, const QJsonArray &args, ReplyFn reply);
    void callHistory(HubSession *s, Member &m, const QJsonArray &args, ReplyFn reply);

    QString m_nodeId;
    QString m_bootTag; // base 36 start time: ids stay unique across restarts
    quint64 m_sequence = 0;
    quint64 m_nameCounter = 0;
    Backplane &m_backplane;
    NodeMetrics &m_metrics;
    MessageHistory m_history;
    QHash<HubSession *, Member> m_sessions;
    QHash<QString, QSet<HubSession *>> m_rooms; // local members per room
    // JoinRoom replies waiting for Backplane::roomReady; emptied when answered.
    QHash<QString, QList<std::shared_ptr<ReplyFn>>> m_joinsWaiting;
};

} // namespace farmchat
