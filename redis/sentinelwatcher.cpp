#include "redis/sentinelwatcher.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QPointer>

Q_LOGGING_CATEGORY(lcSentinel, "farmchat.redis.sentinel", QtInfoMsg)

namespace farmchat {

namespace {

constexpr int kRediscoverDelayMs = 50; // coalesces a burst of lost links into one round
const QByteArray kSwitchMaster = QByteArrayLiteral("+switch-master");

} // namespace

Result<QList<RedisUrl>> parseSentinelList(const QString &text)
{
    return parseEndpointList(text, 26379, QStringLiteral("Sentinel"));
}

SentinelWatcher::SentinelWatcher(SentinelOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options))
{
    m_pollTimer.setInterval(m_options.pollMs);
    connect(&m_pollTimer, &QTimer::timeout, this, &SentinelWatcher::poll);
    m_soonTimer.setSingleShot(true);
    m_soonTimer.setInterval(kRediscoverDelayMs);
    connect(&m_soonTimer, &QTimer::timeout, this, &SentinelWatcher::poll);
    int index = 0;
    for (const RedisUrl &url : std::as_const(m_options.sentinels)) {
        auto sentinel = std::make_unique<Sentinel>();
        sentinel->url = url;
        RedisConnectionOptions link;
        link.url = url;
        link.password = m_options.password;
        link.passwordSource = QStringLiteral("FARMCHAT_SENTINEL_PASSWORD");
        link.connectTimeoutMs = 1000;
        link.commandTimeoutMs = 1000;
        link.probeIdleMs = 1000;
        link.probeTimeoutMs = 1000;
        link.backoff.maxDelayMs = 1000;
        link.probeChannel = QByteArrayLiteral("farmchat:sentinel-probe");
        const QString base = m_options.clientName.isEmpty() ? QStringLiteral("farmchat:sentinel")
                                                            : m_options.clientName;
        link.clientName = QStringLiteral("%1:%2").arg(base).arg(++index);
        sentinel->commands = std::make_unique<RedisConnection>(link);
        link.role = RedisConnectionOptions::Role::Subscriber;
        link.clientName += QStringLiteral(":events");
        sentinel->events = std::make_unique<RedisConnection>(link);
        Sentinel *raw = sentinel.get();
        auto noteError = [this, raw](const QString &error) {
            raw->error = error;
            Q_EMIT changed();
        };
        connect(raw->commands.get(), &RedisConnection::attemptFailed, this, noteError);
        connect(raw->commands.get(), &RedisConnection::lost, this, noteError);
        connect(raw->commands.get(), &RedisConnection::ready, this, [this, raw] {
            raw->error.clear();
            askMaster(*raw);
            askQuorum(*raw);
            Q_EMIT changed();
        });
        connect(raw->events.get(), &RedisConnection::message, this,
            [this](const QByteArray &channel, const QByteArray &payload) {
                if (channel == kSwitchMaster)
                    onSwitchMaster(payload);
            });
        raw->events->subscribe(kSwitchMaster);
        m_sentinels.push_back(std::move(sentinel));
    }
}

SentinelWatcher::~SentinelWatcher() = default;

qint64 SentinelWatcher::nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

void SentinelWatcher::start()
{
    for (const auto &sentinel : m_sentinels) {
        sentinel->commands->start();
        sentinel->events->start();
    }
    m_pollTimer.start();
}

void SentinelWatcher::addLink(RedisConnection *link)
{
    m_links.push_back(link);
    auto rediscover = [this](const QString &) { rediscoverSoon(); };
    connect(link, &RedisConnection::lost, this, rediscover);
    connect(link, &RedisConnection::attemptFailed, this, rediscover);
    connect(link, &RedisConnection::notPrimary, this, rediscover);
    connect(link, &RedisConnection::stateChanged, this, &SentinelWatcher::onLinkState);
    if (m_port != 0) {
        link->setEndpoint(m_host, m_port);
        link->start();
    }
}

QString SentinelWatcher::primary() const
{
    return m_port == 0 ? QString() : QStringLiteral("%1:%2").arg(m_host).arg(m_port);
}

QList<SentinelWatcher::SentinelStatus> SentinelWatcher::sentinels() const
{
    QList<SentinelStatus> out;
    for (const auto &sentinel : m_sentinels)
        out << SentinelStatus {
            sentinel->url.endpoint(), sentinel->commands->isReady(), sentinel->error};
    return out;
}

QString SentinelWatcher::problem() const
{
    QStringList unreachable;
    for (const auto &sentinel : m_sentinels) {
        if (!sentinel->commands->isReady() || !sentinel->error.isEmpty())
            unreachable << QStringLiteral("Sentinel %1: %2")
                               .arg(sentinel->url.endpoint(),
                                   sentinel->error.isEmpty() ? QStringLiteral("not connected yet")
                                                             : sentinel->error);
    }
    QStringList parts;
    if (m_port == 0)
        parts << QStringLiteral("no primary known for '%1'").arg(m_options.masterName);
    if (!m_quorum)
        parts << QStringLiteral("no quorum: ") + m_quorumText;
    if (!unreachable.isEmpty() && (m_port == 0 || !m_quorum))
        parts << unreachable;
    return parts.join(QStringLiteral("; "));
}

void SentinelWatcher::poll()
{
    bool anyReady = false;
    for (const auto &sentinel : m_sentinels) {
        if (!sentinel->commands->isReady())
            continue;
        anyReady = true;
        askMaster(*sentinel);
        askQuorum(*sentinel);
    }
    if (!anyReady && m_quorum) {
        m_quorum = false;
        m_quorumText = QStringLiteral("no Sentinel reachable");
        Q_EMIT changed();
    }
}

void SentinelWatcher::rediscoverSoon()
{
    if (!m_soonTimer.isActive())
        m_soonTimer.start();
}

void SentinelWatcher::askMaster(Sentinel &sentinel)
{
    if (sentinel.masterInFlight)
        return;
    sentinel.masterInFlight = true;
    QPointer<SentinelWatcher> self(this);
    Sentinel *raw = &sentinel;
    sentinel.commands->command({"SENTINEL", "MASTER", m_options.masterName.toUtf8()},
        [self, raw](const RedisValue &reply) {
            if (!self)
                return;
            raw->masterInFlight = false;
            if (reply.isLinkError())
                return;
            if (reply.isError()) {
                raw->error = reply.errorText();
                Q_EMIT self->changed();
                return;
            }
            Answer answer;
            const QList<RedisValue> &fields = reply.elements();
            bool down = false;
            for (qsizetype i = 0; i + 1 < fields.size(); i += 2) {
                const QByteArray &key = fields[i].bytes();
                const QByteArray &value = fields[i + 1].bytes();
                if (key == "ip")
                    answer.host = QString::fromUtf8(value);
                else if (key == "port")
                    answer.port = quint16(value.toUInt());
                else if (key == "config-epoch")
                    answer.epoch = value.toLongLong();
                else if (key == "flags")
                    down = value.contains("o_down") || value.contains("s_down");
            }
            if (!raw->error.isEmpty()) {
                raw->error.clear();
                Q_EMIT self->changed();
            }
            // A Sentinel that sees the primary down has nothing better to
            // offer than the address the links already failed on.
            if (!down && !answer.host.isEmpty() && answer.port != 0)
                self->onAnswer(answer);
        });
}

void SentinelWatcher::askQuorum(Sentinel &sentinel)
{
    if (sentinel.quorumInFlight)
        return;
    sentinel.quorumInFlight = true;
    QPointer<SentinelWatcher> self(this);
    Sentinel *raw = &sentinel;
    sentinel.commands->command({"SENTINEL", "CKQUORUM", m_options.masterName.toUtf8()},
        [self, raw](const RedisValue &reply) {
            if (!self)
                return;
            raw->quorumInFlight = false;
            if (reply.isLinkError())
                return;
            const bool ok = !reply.isError();
            const QString text = ok ? QString::fromUtf8(reply.bytes()) : reply.errorText();
            const qint64 now = nowMs();
            // Any Sentinel that reaches the quorum is enough; a refusal counts
            // only when no one said yes within the last poll.
            const bool fresh = now - self->m_quorumAtMs > self->m_options.pollMs * 2;
            if (ok)
                self->m_quorumAtMs = now;
            if (ok || fresh || !self->m_quorum) {
                if (self->m_quorum != ok || self->m_quorumText != text) {
                    if (self->m_quorum != ok)
                        qCInfo(lcSentinel).noquote()
                            << (ok ? QStringLiteral("Sentinel quorum reachable: ")
                                   : QStringLiteral("Sentinel quorum lost: "))
                                + text;
                    self->m_quorum = ok;
                    self->m_quorumText = text;
                    Q_EMIT self->changed();
                }
            }
        });
}

void SentinelWatcher::onAnswer(const Answer &answer)
{
    if (answer.epoch < m_epoch)
        return; // a Sentinel that has not heard of the last failover yet
    m_epoch = answer.epoch;
    movePrimary(answer.host, answer.port);
}

void SentinelWatcher::onSwitchMaster(const QByteArray &payload)
{
    // "<master name> <old ip> <old port> <new ip> <new port>"
    const QList<QByteArray> parts = payload.split(' ');
    if (parts.size() != 5 || QString::fromUtf8(parts[0]) != m_options.masterName)
        return;
    qCInfo(lcSentinel).noquote()
        << QStringLiteral("+switch-master %1").arg(QString::fromUtf8(payload));
    movePrimary(QString::fromUtf8(parts[3]), quint16(parts[4].toUInt()));
    rediscoverSoon(); // learn the new config epoch
}

void SentinelWatcher::movePrimary(const QString &host, quint16 port)
{
    if (host == m_host && port == m_port)
        return;
    const bool first = m_port == 0;
    const QString old = primary();
    m_host = host;
    m_port = port;
    if (first) {
        qCInfo(lcSentinel).noquote()
            << QStringLiteral("primary of '%1' is %2").arg(m_options.masterName, primary());
    } else {
        ++m_failovers;
        m_movedDuringOutage = true;
        if (m_outageSinceMs == 0)
            m_outageSinceMs = nowMs();
        qCWarning(lcSentinel).noquote() << QStringLiteral("primary of '%1' moved from %2 to %3")
                                               .arg(m_options.masterName, old, primary());
    }
    for (RedisConnection *link : m_links) {
        link->setEndpoint(m_host, m_port);
        if (link->state() == RedisConnection::State::Stopped)
            link->start();
        else
            link->reconnect(QStringLiteral("the primary moved to %1").arg(primary()));
    }
    Q_EMIT primaryChanged(primary());
    Q_EMIT changed();
}

void SentinelWatcher::onLinkState()
{
    bool allReady = !m_links.empty();
    for (const RedisConnection *link : m_links)
        allReady = allReady && link->isReady();
    if (!allReady) {
        if (m_outageSinceMs == 0 && m_port != 0)
            m_outageSinceMs = nowMs();
        return;
    }
    if (m_outageSinceMs != 0 && m_movedDuringOutage) {
        m_lastRecoveryMs = nowMs() - m_outageSinceMs;
        qCInfo(lcSentinel).noquote() << QStringLiteral(
            "every link is on the primary %1 again, %2 ms after the first was lost")
                                            .arg(primary())
                                            .arg(m_lastRecoveryMs);
        Q_EMIT changed();
    }
    m_outageSinceMs = 0;
    m_movedDuringOutage = false;
}

} // namespace farmchat
