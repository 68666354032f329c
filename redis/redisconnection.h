#pragma once

#include "core/backoff.h"
#include "redis/linkerror.h"
#include "redis/redispendingcommands.h"
#include "redis/redissubscriptions.h"
#include "redis/redisurl.h"
#include "redis/redisvalue.h"
#include "redis/replyguard.h"

#include <QObject>
#include <QTimer>

#include <memory>

struct redisAsyncContext;

namespace farmchat {

class RedisQtAdapter;

struct RedisConnectionOptions
{
    // Commands: request/reply. Subscriber: SUBSCRIBE only (Redis allows no
    // other command on a subscribed connection), so a user needs one of each.
    enum class Role { Commands, Subscriber };

    RedisUrl url;
    QByteArray password; // from FARMCHAT_REDIS_PASSWORD; never logged
    // Where the password came from, named in the error when Redis refuses it.
    QString passwordSource = QStringLiteral("FARMCHAT_REDIS_PASSWORD");
    // The link is only good on a primary: ROLE is checked with each handshake
    // of a Commands link and a replica ends the attempt (notPrimary()). Used
    // behind Sentinel, which moves every link when the primary changes, and
    // for a cluster shard's links (ClusterShardLinks), where a MOVED reply
    // also ends the link: the command gets a link error, notPrimary() is
    // emitted and the next attempt goes where the slot map says.
    bool requirePrimary = false;
    QString clientName; // CLIENT SETNAME, shown by CLIENT LIST; empty: none
    Role role = Role::Commands;
    int connectTimeoutMs = 3000; // TCP connect + AUTH + SELECT
    int commandTimeoutMs = 3000; // default deadline of command()
    // Liveness: a link with nothing outstanding that has been silent for
    // probeIdleMs is probed (PING; a re-SUBSCRIBE of probeChannel on a
    // subscriber) and declared lost when the probe gets no answer within
    // probeTimeoutMs. A half-open link is noticed within their sum; a busy one
    // within the deadline of its oldest command plus probeTimeoutMs.
    int probeIdleMs = 2000;
    int probeTimeoutMs = 3000;
    // Between reconnect attempts: doubling, jittered so a farm of nodes does
    // not reconnect in lock-step after Redis returns.
    Backoff backoff {.firstDelayMs = 100, .maxDelayMs = 5000, .jitter = 0.2};
    QByteArray probeChannel = QByteArrayLiteral("farmchat:probe");
    // Subscriber on a Redis Cluster node: channels are sharded (SSUBSCRIBE,
    // Redis 7), each on the node owning its slot (ShardedSubscriber picks
    // the link). Redis answers a channel of another node's slot with MOVED,
    // which ends the link (hiredis 0.14 closes a subscribed link on any
    // error reply): lost() then names the MOVED.
    bool sharded = false;
};

// One Redis link on the Qt event loop (hiredis async API through
// RedisQtAdapter): connects with a deadline, authenticates, selects the
// database, reconnects with capped back-off, runs commands with per-command
// deadlines and, as a subscriber, keeps its channels subscribed across
// reconnects. Used by the pubsub and streams backplanes.
//
// Callback rules: a command's callback runs exactly once, never from inside
// command() itself; when the link ends every outstanding callback gets a link
// error (RedisValue::isLinkError) in the order the commands were issued. When
// the RedisConnection is destroyed, outstanding callbacks are dropped.
class RedisConnection : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Stopped, // not started, or stop()ped
        Connecting, // an attempt is under way
        Ready, // authenticated; commands run
        Waiting, // back-off before the next attempt
    };
    Q_ENUM(State)

    using ReplyCallback = RedisPendingCommands::Callback;

    explicit RedisConnection(RedisConnectionOptions options, QObject *parent = nullptr);
    ~RedisConnection() override;

    void start();
    void stop();
    // Where the next attempt connects (Sentinel found another primary); the
    // current link, if any, stays until reconnect().
    void setEndpoint(const QString &host, quint16 port);
    // Ends the current link or attempt (callbacks get link errors) and tries
    // again at once: the way to move to a new primary.
    void reconnect(const QString &why);

    State state() const { return m_state; }
    bool isReady() const { return m_state == State::Ready; }
    const RedisConnectionOptions &options() const { return m_options; }
    // The last link or attempt failure, kept after a later success.
    const QString &lastError() const { return m_lastError; }
    qint64 lastErrorAtMs() const { return m_lastErrorAtMs; } // Unix ms; 0: none
    LinkError lastLinkError() const { return {m_lastError, m_lastErrorAtMs}; }
    int reconnects() const { return m_reconnects; } // links made after the first one
    qsizetype pendingCommands() const { return m_pending.size(); }

    // timeoutMs 0: options().commandTimeoutMs.
    void command(const QList<QByteArray> &arguments, ReplyCallback callback, int timeoutMs = 0);

    // Subscriber role. The set is kept across reconnects; subscribed() reports
    // each confirmation by Redis (again after every reconnect). Calls are
    // counted: a channel is unsubscribed when every subscribe() was undone.
    void subscribe(const QByteArray &channel);
    void unsubscribe(const QByteArray &channel);
    bool isSubscribed(const QByteArray &channel) const
    {
        return m_subscriptions.isConfirmed(channel);
    }
    // Sharded: the channel's slot moved to another node, which now serves
    // it. Forgotten here without SUNSUBSCRIBE, which this node would answer
    // MOVED (ending the link and every other channel's subscription with it).
    void forgetMovedChannel(const QByteArray &channel);

Q_SIGNALS:
    void stateChanged(farmchat::RedisConnection::State state);
    void ready();
    void lost(const QString &error); // a ready link ended
    void attemptFailed(const QString &error); // a connect attempt failed
    void subscribed(const QByteArray &channel);
    void message(const QByteArray &channel, const QByteArray &payload);
    // Sharded: the server ended the subscription of a channel still wanted
    // (its slot moved to another node). It is no longer confirmed here.
    void channelDropped(const QByteArray &channel);
    // A command was answered READONLY, or the handshake's ROLE check found a
    // replica: the server is no longer (or not yet) the primary.
    void notPrimary(const QString &error);

private:
    static void onConnected(const redisAsyncContext *context, int status);
    static void onDisconnected(const redisAsyncContext *context, int status);
    static void onReply(redisAsyncContext *context, void *reply, void *privdata);
    static void onSubscriptionFrame(redisAsyncContext *context, void *reply, void *privdata);

    void beginAttempt();
    void connectTo(const QString &address);
    void sendHandshake();
    void onReady();
    bool send(const QList<QByteArray> &arguments, ReplyCallback callback, int timeoutMs);
    void resubscribeAll();
    bool sendSubscription(const char *verb, const QList<QByteArray> &channels);
    void sendSharded(const char *verb, const QByteArray &channel);
    void handleReply(quint64 id, const RedisValue &value);
    void handleFrame(const RedisValue &frame);
    void onExpired(std::vector<RedisPendingCommands::Entry> expired);
    void startProbe();
    void markAlive();
    // We end the link (timeout, bad reply, stop): hiredis frees the context,
    // now or when its current callback returns.
    void closeLink(const QString &error);
    // hiredis ended the link and is about to free the context.
    void linkGone(const QString &error);
    void releaseContext(bool freeIt);
    void linkDown(const QString &error);
    void failLater(ReplyCallback callback, const QString &error);
    void setState(State state);
    QString describeEndpoint() const;
    QString logPrefix() const;

    RedisConnectionOptions m_options;
    State m_state = State::Stopped;
    redisAsyncContext *m_context = nullptr;
    std::unique_ptr<RedisQtAdapter> m_adapter;
    ReplyGuard m_guard;
    int m_lookupId = -1;
    quint64 m_nextId = 1;
    RedisPendingCommands m_pending;
    QTimer m_connectTimer;
    QTimer m_idleTimer;
    QTimer m_probeTimer;
    QTimer m_retryTimer;
    bool m_probing = false;
    int m_retries = 0; // reconnect attempts since the link was last ready
    QString m_lastError;
    QString m_lastLoggedError;
    qint64 m_lastErrorAtMs = 0;
    bool m_everReady = false;
    int m_reconnects = 0;
    RedisSubscriptions m_subscriptions;
    int m_shardedCommands = 0; // SSUBSCRIBE / SUNSUBSCRIBE sent on this link
};

} // namespace farmchat
