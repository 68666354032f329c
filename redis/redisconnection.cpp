#include "redis/redisconnection.h"

#include "redis/hirediscommand_p.h"
#include "redis/hiredisreply.h"
#include "redis/redisqtadapter_p.h"

#include <QDateTime>
#include <QHostAddress>
#include <QHostInfo>
#include <QLoggingCategory>
#include <QPointer>

#include <hiredis/async.h>

#include <vector>

Q_LOGGING_CATEGORY(lcRedis, "farmchat.redis", QtInfoMsg)

namespace farmchat {

namespace {

RedisConnection *ownerOf(const redisAsyncContext *context)
{
    return static_cast<RedisConnection *>(context->data);
}

QString hiredisError(const redisAsyncContext *context)
{
    if (context->errstr && context->errstr[0])
        return QString::fromUtf8(context->errstr);
    return QStringLiteral("connection closed by Redis");
}

} // namespace

RedisConnection::RedisConnection(RedisConnectionOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_pending([this](std::vector<RedisPendingCommands::Entry> expired) {
        onExpired(std::move(expired));
    })
    , m_subscriptions(m_options.sharded)
{
    for (QTimer *timer : {&m_connectTimer, &m_idleTimer, &m_probeTimer, &m_retryTimer})
        timer->setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        closeLink(QStringLiteral("could not connect to Redis at %1 within %2 ms")
                      .arg(describeEndpoint())
                      .arg(m_options.connectTimeoutMs));
    });
    connect(&m_idleTimer, &QTimer::timeout, this, [this] {
        if (m_pending.isEmpty())
            startProbe();
        else
            m_idleTimer.start(m_options.probeIdleMs); // busy: command deadlines watch the link
    });
    connect(&m_probeTimer, &QTimer::timeout, this, [this] {
        closeLink(QStringLiteral("Redis did not answer a liveness probe within %1 ms")
                      .arg(m_options.probeTimeoutMs));
    });
    connect(&m_retryTimer, &QTimer::timeout, this, &RedisConnection::beginAttempt);
}

RedisConnection::~RedisConnection()
{
    if (m_lookupId >= 0)
        QHostInfo::abortHostLookup(m_lookupId);
    releaseContext(true);
}

void RedisConnection::start()
{
    if (m_state == State::Stopped)
        beginAttempt();
}

void RedisConnection::stop()
{
    if (m_state == State::Stopped)
        return;
    m_retryTimer.stop();
    const bool wasReady = m_state == State::Ready;
    setState(State::Stopped); // before linkDown, so it schedules no retry
    if (m_context || m_lookupId >= 0 || wasReady)
        closeLink(QStringLiteral("connection stopped"));
}

void RedisConnection::setEndpoint(const QString &host, quint16 port)
{
    m_options.url.host = host;
    m_options.url.port = port;
    m_options.url.unixSocket.clear();
}

void RedisConnection::reconnect(const QString &why)
{
    if (m_state == State::Stopped)
        return;
    if (m_state == State::Waiting) {
        m_retryTimer.stop();
        beginAttempt();
        return;
    }
    closeLink(why);
    if (m_state == State::Waiting) {
        m_retryTimer.stop();
        m_retries = 0;
        beginAttempt();
    }
}

QString RedisConnection::describeEndpoint() const
{
    return m_options.url.endpoint();
}

QString RedisConnection::logPrefix() const
{
    // A node has up to three links to one Redis: say which one speaks.
    return m_options.clientName.isEmpty() ? QString()
                                          : u'[' + m_options.clientName + QStringLiteral("] ");
}

void RedisConnection::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void RedisConnection::beginAttempt()
{
    setState(State::Connecting);
    m_connectTimer.start(m_options.connectTimeoutMs);
    if (m_options.url.isUnix()) {
        connectTo({});
        return;
    }
    QHostAddress literal;
    if (literal.setAddress(m_options.url.host)) {
        connectTo(literal.toString());
        return;
    }
    // hiredis resolves with a blocking getaddrinfo(); resolve first, off the loop.
    m_lookupId = QHostInfo::lookupHost(m_options.url.host, this, [this](const QHostInfo &info) {
        m_lookupId = -1;
        if (m_state != State::Connecting)
            return;
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            closeLink(QStringLiteral("cannot resolve Redis host %1: %2")
                          .arg(m_options.url.host, info.errorString()));
            return;
        }
        connectTo(info.addresses().constFirst().toString());
    });
}

void RedisConnection::connectTo(const QString &address)
{
    redisAsyncContext *context = m_options.url.isUnix()
        ? redisAsyncConnectUnix(m_options.url.unixSocket.toLocal8Bit().constData())
        : redisAsyncConnect(address.toLatin1().constData(), m_options.url.port);
    if (!context) {
        closeLink(QStringLiteral("cannot create a Redis connection (out of memory)"));
        return;
    }
    if (context->err) {
        const QString error = QStringLiteral("cannot connect to Redis at %1: %2")
                                  .arg(describeEndpoint(), hiredisError(context));
        redisAsyncFree(context); // nothing is attached to it yet
        closeLink(error);
        return;
    }
    m_context = context;
    context->data = this;
    m_adapter = std::make_unique<RedisQtAdapter>(context);
    m_guard.install(context, m_options.role == RedisConnectionOptions::Role::Subscriber);
    // The connect callback arms the write notifier, so the adapter comes first.
    redisAsyncSetConnectCallback(context, &RedisConnection::onConnected);
    redisAsyncSetDisconnectCallback(context, &RedisConnection::onDisconnected);
    sendHandshake();
}

void RedisConnection::onReady()
{
    if (m_state != State::Connecting)
        return;
    m_connectTimer.stop();
    if (m_everReady)
        ++m_reconnects;
    const int attempts = m_retries + 1;
    m_everReady = true;
    m_retries = 0;
    m_lastLoggedError.clear();
    QString line = logPrefix()
        + QStringLiteral("connected to Redis at %1 db %2")
              .arg(describeEndpoint())
              .arg(m_options.url.db);
    if (attempts > 1)
        line += QStringLiteral(" after %1 attempts").arg(attempts);
    qCInfo(lcRedis).noquote() << line;
    setState(State::Ready);
    m_idleTimer.start(m_options.probeIdleMs);
    if (m_options.role == RedisConnectionOptions::Role::Subscriber)
        resubscribeAll();
    Q_EMIT ready();
}

void RedisConnection::command(
    const QList<QByteArray> &arguments, ReplyCallback callback, int timeoutMs)
{
    if (arguments.isEmpty()) {
        failLater(std::move(callback), QStringLiteral("empty Redis command"));
        return;
    }
    if (m_options.role == RedisConnectionOptions::Role::Subscriber) {
        failLater(std::move(callback),
            QStringLiteral("a subscriber connection cannot run %1")
                .arg(QString::fromUtf8(arguments.first())));
        return;
    }
    static const QSet<QByteArray> kModeChanging {"SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE",
        "PUNSUBSCRIBE", "SSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR"};
    if (kModeChanging.contains(arguments.first().toUpper())) {
        // hiredis would switch the whole context into another mode.
        failLater(std::move(callback),
            QStringLiteral("%1 is not a command(): use a subscriber connection")
                .arg(QString::fromUtf8(arguments.first())));
        return;
    }
    if (m_state != State::Ready) {
        failLater(std::move(callback),
            m_lastError.isEmpty() ? QStringLiteral("not connected to Redis")
                                  : QStringLiteral("not connected to Redis: ") + m_lastError);
        return;
    }
    send(arguments, std::move(callback), timeoutMs > 0 ? timeoutMs : m_options.commandTimeoutMs);
}

bool RedisConnection::send(
    const QList<QByteArray> &arguments, ReplyCallback callback, int timeoutMs)
{
    const quint64 id = m_nextId++;
    if (!m_context
        || sendHiredisCommand(m_context, &RedisConnection::onReply,
               reinterpret_cast<void *>(quintptr(id)), arguments)
            != REDIS_OK) {
        failLater(std::move(callback), QStringLiteral("the Redis connection is closing"));
        return false;
    }
    m_pending.add(id, std::move(callback), timeoutMs, arguments.first().toUpper());
    return true;
}

void RedisConnection::onConnected(const redisAsyncContext *context, int status)
{
    RedisConnection *self = ownerOf(context);
    if (self && status != REDIS_OK)
        self->linkGone(QStringLiteral("cannot connect to Redis at %1: %2")
                           .arg(self->describeEndpoint(), hiredisError(context)));
}

void RedisConnection::onDisconnected(const redisAsyncContext *context, int)
{
    RedisConnection *self = ownerOf(context);
    if (!self)
        return;
    const QString violation = self->m_guard.violation();
    self->linkGone(!violation.isEmpty() ? violation : hiredisError(context));
}

void RedisConnection::onReply(redisAsyncContext *context, void *reply, void *privdata)
{
    RedisConnection *self = ownerOf(context);
    // A null reply: hiredis is freeing the context; linkDown() fails the rest in order.
    if (self && reply)
        self->handleReply(quint64(reinterpret_cast<quintptr>(privdata)),
            toRedisValue(static_cast<redisReply *>(reply)));
}

void RedisConnection::handleReply(quint64 id, const RedisValue &value)
{
    markAlive();
    auto entry = m_pending.take(id);
    if (!entry)
        return; // its deadline passed; the caller already has an error
    const bool readOnly = value.isError() && value.bytes().startsWith("READONLY");
    QPointer<RedisConnection> self(this);
    if (m_options.requirePrimary && value.isError() && value.bytes().startsWith("MOVED ")) {
        // A cluster node that no longer serves the slot (demoted, or the
        // slot moved): nothing was written. The link ends, so the command and
        // those behind it fail as link errors (sent again, not refused) and
        // the next attempt goes wherever the map says by then.
        const QString why = QStringLiteral("Redis at %1 no longer serves the slot (%2)")
                                .arg(describeEndpoint(), value.errorText());
        if (entry->callback)
            entry->callback(RedisValue::linkError(why));
        if (!self)
            return;
        Q_EMIT notPrimary(why);
        if (self)
            closeLink(why);
        return;
    }
    if (entry->callback)
        entry->callback(value);
    // A demoted primary answers writes READONLY: whoever finds the primary
    // (Sentinel) moves the link.
    if (readOnly && self)
        Q_EMIT notPrimary(
            QStringLiteral("Redis at %1 answered %2").arg(describeEndpoint(), value.errorText()));
}

void RedisConnection::onExpired(std::vector<RedisPendingCommands::Entry> expired)
{
    if (m_state == State::Ready && !m_probing)
        startProbe(); // a slow answer may be a dead link: find out
    QPointer<RedisConnection> self(this);
    for (RedisPendingCommands::Entry &entry : expired) {
        if (!self)
            return;
        if (entry.callback)
            entry.callback(
                RedisValue::linkError(QStringLiteral("Redis did not answer %1 within %2 ms")
                                          .arg(QString::fromUtf8(entry.name))
                                          .arg(entry.timeoutMs)));
    }
}

void RedisConnection::startProbe()
{
    if (m_state != State::Ready || m_probing)
        return;
    m_probing = true;
    m_probeTimer.start(m_options.probeTimeoutMs);
    if (m_options.role == RedisConnectionOptions::Role::Subscriber) {
        // A re-SUBSCRIBE is answered in order with the frames, and hiredis
        // tracks it correctly (PING in subscribed mode it does not).
        sendSubscription("SUBSCRIBE", {m_options.probeChannel});
    } else {
        send({"PING"}, nullptr,
            m_options.probeTimeoutMs + 1000); // any reply clears the probe via markAlive()
    }
}

void RedisConnection::markAlive()
{
    if (m_state != State::Ready)
        return;
    m_probing = false;
    m_probeTimer.stop();
    m_idleTimer.start(m_options.probeIdleMs);
}

void RedisConnection::failLater(ReplyCallback callback, const QString &error)
{
    if (!callback)
        return;
    QMetaObject::invokeMethod(
        this, [callback = std::move(callback), error] { callback(RedisValue::linkError(error)); },
        Qt::QueuedConnection);
}

void RedisConnection::releaseContext(bool freeIt)
{
    if (m_adapter) {
        m_adapter->detach();
        m_adapter.release()->deleteLater(); // may be inside its own notifier's signal
    }
    if (!m_context)
        return;
    redisAsyncContext *context = m_context;
    m_context = nullptr;
    context->data = nullptr; // hiredis' remaining callbacks for it now do nothing
    m_guard.uninstall();
    if (freeIt)
        redisAsyncFree(context); // deferred by hiredis when inside one of its callbacks
}

void RedisConnection::closeLink(const QString &error)
{
    if (m_lookupId >= 0) {
        QHostInfo::abortHostLookup(m_lookupId);
        m_lookupId = -1;
    }
    releaseContext(true);
    linkDown(error);
}

void RedisConnection::linkGone(const QString &error)
{
    releaseContext(false); // hiredis frees it when this callback returns
    linkDown(error);
}

void RedisConnection::linkDown(const QString &error)
{
    const bool wasReady = m_state == State::Ready;
    const bool stopping = m_state == State::Stopped;
    for (QTimer *timer : {&m_connectTimer, &m_idleTimer, &m_probeTimer})
        timer->stop();
    m_probing = false;
    m_subscriptions.reset();
    std::vector<RedisPendingCommands::Entry> pending = m_pending.takeAll();

    if (!stopping) {
        m_lastError = error;
        m_lastErrorAtMs = QDateTime::currentMSecsSinceEpoch();
        // One line per change of state or reason: no log storm while backing off.
        if (wasReady)
            qCWarning(lcRedis).noquote() << logPrefix()
                    + QStringLiteral("lost the connection to Redis at %1: %2; reconnecting")
                          .arg(describeEndpoint(), error);
        else if (error != m_lastLoggedError)
            qCWarning(lcRedis).noquote() << logPrefix() + error
                    + QStringLiteral(" (retrying with back-off up to %1 ms)")
                          .arg(m_options.backoff.capMs());
        else
            qCDebug(lcRedis).noquote() << logPrefix() + error;
        m_lastLoggedError = error;
        const int delay = m_options.backoff.delayMs(m_retries++);
        setState(State::Waiting);
        m_retryTimer.start(delay);
    }
    QPointer<RedisConnection> self(this);
    if (!stopping) {
        if (wasReady)
            Q_EMIT lost(error);
        else
            Q_EMIT attemptFailed(error);
    }
    const QString failure = stopping ? error : QStringLiteral("connection to Redis lost: ") + error;
    for (RedisPendingCommands::Entry &entry : pending) {
        if (!self)
            return;
        if (entry.callback)
            entry.callback(RedisValue::linkError(failure));
    }
}

} // namespace farmchat
