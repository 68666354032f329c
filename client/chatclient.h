#pragma once

#include "client/hubconnection.h"
#include "core/result.h"
#include "protocol/chatmessage.h"
#include "protocol/limits.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QUrl>

#include <functional>
#include <memory>
#include <unordered_map>

namespace farmchat {

class RecentIds;

// How a ChatClient connects and catches up.
struct ChatClientOptions
{
    HubConnectionOptions hub;
    QString hubPath = QStringLiteral("/chat"); // appended to the node URL
    int historyPageSize = limits::kMaxHistoryLimit; // `limit` of each History call
    int maxHistoryPages = 20; // per room and catch-up; bounds the work after a long outage
    qsizetype rememberedIdsPerRoom = 5000; // de-duplication window per room
    // Also fetch recent History when a room is first joined (and for lobby on
    // the first connect), so a new pane shows the conversation so far.
    bool historyOnJoin = false;
    // Ask the node its name (WhoAmI) on every connect and reconnect, so
    // servedBy() says where a load balancer sent this client.
    bool identifyNode = false;
};

// Chat over one node's hub (http://127.0.0.1:9090 -> /chat): name, rooms,
// sending, and a stream of messages that shows each message id once. It
// remembers its name and rooms and applies them again after a reconnect, then
// catches up every room with History(room, lastSeenId) and merges the result
// by id. Used by the desktop app's panes, the launcher's demo, the tests and
// the benchmark's checks.
class ChatClient : public QObject
{
    Q_OBJECT
public:
    static inline const QString kLobby = QStringLiteral("lobby");

    // Ok, or why the node refused (or the call was lost).
    using Done = std::function<void(const Result<void> &result)>;
    // The message id the node gave, or why the message was not sent.
    using SendDone = std::function<void(const Result<QString> &id)>;

    struct Stats
    {
        quint64 sent = 0; // Send calls the node accepted
        quint64 sendFailed = 0; // Send calls refused or lost
        quint64 received = 0; // messages shown (messageReceived), history included
        quint64 receivedFromHistory = 0; // of those, first seen through History
        quint64 duplicatesSuppressed = 0; // live messages the node sent again
        quint64 historyOverlap = 0; // History entries already shown (expected, not a fault)
        quint64 reconnects = 0; // successful reconnects
    };

    explicit ChatClient(
        const QUrl &nodeUrl, ChatClientOptions options = {}, QObject *parent = nullptr);
    // Fails over between the nodes of a farm: starts with the first, and while
    // reconnecting moves on to the next one after each failed attempt
    // (HubConnectionOptions::fallbackUrls). With a backplane the catch-up
    // after the reconnect (History from lastSeenId) fills the gap; in streams
    // mode ids are farm-wide, so nothing is lost or shown twice.
    explicit ChatClient(
        const QList<QUrl> &nodeUrls, ChatClientOptions options = {}, QObject *parent = nullptr);
    ~ChatClient() override;

    // The node in use (or being tried).
    QUrl nodeUrl() const { return m_nodeUrls.value(m_hub->hubIndex()); }
    QList<QUrl> nodeUrls() const { return m_nodeUrls; }
    HubConnection &connection() { return *m_hub; }
    HubConnection::State state() const { return m_hub->state(); }
    bool isConnected() const { return state() == HubConnection::State::Connected; }

    // Connect / disconnect; see HubConnection for states and signals.
    bool start() { return m_hub->start(); }
    void stop() { m_hub->stop(); }
    // Its node left the farm: serve from `nodeUrl` from now on. A reconnect
    // follows, and with it the usual catch-up from lastSeenId().
    void moveTo(const QUrl &nodeUrl);

    // Each of these is remembered and re-applied after every (re)connect.
    // While not connected, the change is only remembered and `done` reports
    // success; if the node refuses it later, errorOccurred() says so.
    // `done` never runs inside the call.
    void setName(const QString &name, Done done = {});
    QString name() const { return m_name; }
    void joinRoom(const QString &room, Done done = {});
    void leaveRoom(const QString &room, Done done = {});
    QStringList rooms() const; // sorted, lobby included

    // Sends `text` to `room`. Not queued while disconnected: `done` gets an
    // error instead, so the caller can keep the text and retry.
    void send(const QString &text, const QString &room = kLobby, SendDone done = {});

    // Id of the last message of `room` known to be contiguous with what came
    // before (the cursor History catch-up starts from); empty: none yet.
    QString lastSeenId(const QString &room) const { return m_lastSeen.value(room); }
    const Stats &stats() const { return m_stats; }
    // The node serving this client (its --node-id), with identifyNode; empty
    // before the first answer and while disconnected.
    QString servedBy() const { return m_servedBy; }

Q_SIGNALS:
    // Once per message id and room. fromHistory: it came from a History catch-up.
    void messageReceived(const farmchat::ChatMessage &message, bool fromHistory);
    // The node sent a message live a second time; it was not shown again.
    void duplicateSuppressed(const farmchat::ChatMessage &message);
    // The node said its history of `room` restarted (server `historyReset`):
    // the cursor was forgotten and the room's recent history is fetched again.
    void historyReset(const QString &room);
    // The node warned that message `id` may not reach everyone (server `deliveryWarning`).
    void deliveryWarning(const QString &id, const QString &text);
    // A History catch-up of `room` finished; `fetched` new messages came from it.
    void caughtUp(const QString &room, int fetched);
    // Background work failed (re-applying name or rooms, History, a malformed
    // message from the node). The connection carries on.
    void errorOccurred(const QString &error);
    void statsChanged();
    // servedBy() changed: a (re)connect landed on `node`, or the connection was lost ("").
    void servedByChanged(const QString &node);

private:
    void onUp(bool reconnect);
    void onInvocation(const QString &target, const QJsonArray &arguments);
    void applyRoom(const QString &room, bool catchUpAfter);
    void catchUp(const QString &room);
    struct CatchUp
    {
        QString room;
        quint64 token = 0; // matches m_catchingUp[room] while this catch-up is current
        int page = 0;
        int fetched = 0;
        bool fallbackUsed = false;
    };
    void fetchHistoryPage(const CatchUp &state, const QString &afterId);
    void deliver(const ChatMessage &message, bool fromHistory);
    void finishLater(Done done, const Result<void> &result = {});
    RecentIds &recentIds(const QString &room);

    QList<QUrl> m_nodeUrls;
    const ChatClientOptions m_options;
    std::unique_ptr<HubConnection> m_hub;
    QString m_name;
    QString m_servedBy;
    QSet<QString> m_rooms; // joined rooms besides lobby
    QHash<QString, QString> m_lastSeen; // room -> cursor for History
    std::unordered_map<QString, std::unique_ptr<RecentIds>> m_recent; // room -> ids shown
    QHash<QString, quint64>
        m_catchingUp; // room -> token of its running catch-up; only History moves its cursor
    quint64 m_nextToken = 1;
    quint64 m_epoch
        = 0; // bumped on every connect, so late answers of an old connection are ignored
    Stats m_stats;
};

} // namespace farmchat
