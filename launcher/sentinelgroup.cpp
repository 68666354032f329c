#include "launcher/sentinelgroup.h"

#include "launcher/managedprocess.h"
#include "launcher/portprobe.h"
#include "launcher/redisinstance.h"
#include "launcher/redisping_p.h"
#include "launcher/secret_p.h"
#include "redis/redisconnection.h"
#include "redis/redisinfo.h"

#include <QDir>
#include <QFile>
#include <QLoggingCategory>

namespace farmchat {

Q_LOGGING_CATEGORY(lcLauncherSentinel, "farmchat.launcher.sentinel")

namespace {
constexpr int kQuorumPollMs = 200;
}

struct SentinelGroup::Sentinel
{
    std::unique_ptr<ManagedProcess> process;
    std::unique_ptr<RedisPing> ping;
    SentinelConfig config;
    QString path;
    bool ready = false;
};

SentinelGroup::SentinelGroup(const QString &program, ProcessGuard &guard, QObject *parent)
    : QObject(parent)
    , m_program(program)
    , m_password(generateSecret(40))
    , m_replica(
          std::make_unique<RedisInstance>(program, guard, nullptr, QStringLiteral("redis-replica")))
{
    m_replica->setReplicated(true);
    connect(m_replica.get(), &RedisInstance::ready, this, [this] { waitForReplicaSync(); });
    connect(m_replica.get(), &RedisInstance::failed, this, [this](const QString &why) {
        if (m_starting) {
            m_starting = false;
            Q_EMIT failed(why);
        }
    });
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const char *secret :
        {"FARMCHAT_REDIS_PASSWORD", "FARMCHAT_ADMIN_TOKEN", "FARMCHAT_SENTINEL_PASSWORD"})
        environment.remove(QString::fromLatin1(secret));
    for (int i = 0; i < kSentinels; ++i) {
        auto sentinel = std::make_unique<Sentinel>();
        sentinel->process
            = std::make_unique<ManagedProcess>(QStringLiteral("sentinel-%1").arg(i + 1), guard);
        sentinel->process->setEnvironment(environment);
        // Sentinel rewrites its config (with the passwords) on every failover:
        // the rewritten file must be 0600 too, whatever the user's umask.
        sentinel->process->setPrivateFiles(true);
        sentinel->ping = std::make_unique<RedisPing>();
        Sentinel *raw = sentinel.get();
        connect(raw->process.get(), &ManagedProcess::stateChanged, this,
            [this, raw] { onSentinelState(*raw); });
        connect(raw->ping.get(), &RedisPing::finished, this, [this, raw](const Result<void> &pong) {
            if (raw->process->state() != ProcessState::Starting)
                return;
            if (!pong) {
                const QString why = QStringLiteral("%1 on port %2 did not answer PING: %3")
                                        .arg(raw->process->name())
                                        .arg(raw->config.port)
                                        .arg(pong.error());
                raw->process->kill();
                if (m_starting) {
                    m_starting = false;
                    Q_EMIT failed(why);
                }
                return;
            }
            raw->process->markHealthy();
            raw->ready = true;
            checkReady();
        });
        m_sentinels.push_back(std::move(sentinel));
    }
    m_syncTimer.setInterval(kQuorumPollMs / 4);
    connect(&m_syncTimer, &QTimer::timeout, this, &SentinelGroup::pollReplicaSync);
    m_quorumTimer.setInterval(kQuorumPollMs);
    connect(&m_quorumTimer, &QTimer::timeout, this, &SentinelGroup::pollQuorum);
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        if (!m_starting)
            return;
        m_starting = false;
        m_quorumTimer.stop();
        m_syncTimer.stop();
        m_probe.reset();
        if (!m_replicaReady) {
            Q_EMIT failed(
                QStringLiteral("the replica was not in sync with the primary within %1 ms")
                    .arg(m_readyTimeoutMs));
            return;
        }
        Q_EMIT failed(
            QStringLiteral("the Sentinels did not reach their quorum within %1 ms "
                           "(last answer: %2)")
                .arg(m_readyTimeoutMs)
                .arg(m_lastQuorumAnswer.isEmpty() ? QStringLiteral("none") : m_lastQuorumAnswer));
    });
}

SentinelGroup::~SentinelGroup() = default;

ManagedProcess *SentinelGroup::sentinelProcess(int index) const
{
    return index >= 0 && index < sentinelCount() ? m_sentinels[size_t(index)]->process.get()
                                                 : nullptr;
}

quint16 SentinelGroup::sentinelPort(int index) const
{
    return index >= 0 && index < sentinelCount() ? m_sentinels[size_t(index)]->config.port : 0;
}

QString SentinelGroup::sentinelList() const
{
    QStringList out;
    for (const auto &sentinel : m_sentinels)
        out << QStringLiteral("127.0.0.1:%1").arg(sentinel->config.port);
    return out.join(u',');
}

QString SentinelGroup::configPath(int index) const
{
    return index >= 0 && index < sentinelCount() ? m_sentinels[size_t(index)]->path : QString();
}

void SentinelGroup::setStopGraceMs(int ms)
{
    m_replica->process()->setStopGraceMs(ms);
    for (const auto &sentinel : m_sentinels)
        sentinel->process->setStopGraceMs(ms);
}

void SentinelGroup::setLogFiles(const std::function<QString(const QString &)> &logFileFor)
{
    m_replica->setLogFile(logFileFor(m_replica->process()->name()));
    for (const auto &sentinel : m_sentinels)
        sentinel->process->setLogFile(logFileFor(sentinel->process->name()));
}

void SentinelGroup::start(quint16 primaryPort, const QByteArray &password, qint64 maxMemoryBytes)
{
    m_primaryPort = primaryPort;
    m_redisPassword = password;
    m_starting = true;
    m_replicaReady = false;
    m_lastQuorumAnswer.clear();
    if (!m_dir) {
        // 0700: nobody else reaches the Sentinel configs, whatever mode
        // Sentinel gives the files it rewrites.
        m_dir = std::make_unique<QTemporaryDir>(
            QDir::tempPath() + QStringLiteral("/farmchat-sentinel-XXXXXX"));
        if (!m_dir->isValid()) {
            const QString error = m_dir->errorString();
            m_dir.reset();
            m_starting = false;
            Q_EMIT failed(QStringLiteral("Sentinel: cannot create a temp dir: %1").arg(error));
            return;
        }
    }
    const QList<quint16> ports = PortProbe::pickFree(kSentinels, {primaryPort});
    if (ports.size() != kSentinels) {
        m_starting = false;
        Q_EMIT failed(QStringLiteral("Sentinel: no free ports on 127.0.0.1"));
        return;
    }
    for (int i = 0; i < kSentinels; ++i) {
        Sentinel &sentinel = *m_sentinels[size_t(i)];
        sentinel.config.port = ports[i];
        sentinel.config.password = m_password;
        sentinel.config.redisPassword = password;
        sentinel.config.masterName = m_masterName;
        sentinel.config.primaryPort = primaryPort;
        sentinel.config.downAfterMs = m_downAfterMs;
        sentinel.config.directory = m_dir->path();
        sentinel.path = QDir(m_dir->path()).filePath(QStringLiteral("sentinel-%1.conf").arg(i + 1));
        sentinel.ready = false;
        if (!writeConfig(sentinel))
            return;
        sentinel.process->setPort(sentinel.config.port);
        // The file, not its text: Sentinel rewrites it. No secret in argv.
        sentinel.process->setProgram(m_program, {sentinel.path, QStringLiteral("--sentinel")});
    }
    m_replica->setPassword(password);
    m_replica->setReplicaOf(primaryPort);
    m_replica->setMaxMemoryBytes(maxMemoryBytes);
    m_replica->start(0);
    // The Sentinels start once the replica is in sync (waitForReplicaSync):
    // a Sentinel learns of replicas from the primary's INFO, which it reads
    // again only every 10 s, so one that came first would not know the
    // replica for that long and could not fail over.
    m_deadline.start(m_readyTimeoutMs);
}

bool SentinelGroup::writeConfig(Sentinel &sentinel)
{
    QFile file(sentinel.path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || file.write(sentinel.config.toConfigText()) < 0) {
        m_starting = false;
        Q_EMIT failed(
            QStringLiteral("Sentinel: cannot write %1: %2").arg(sentinel.path, file.errorString()));
        return false;
    }
    return true;
}

void SentinelGroup::onSentinelState(Sentinel &sentinel)
{
    switch (sentinel.process->state()) {
    case ProcessState::Starting:
        sentinel.ready = false;
        sentinel.ping->start(QStringLiteral("127.0.0.1"), sentinel.config.port,
            sentinel.config.password, m_readyTimeoutMs);
        break;
    case ProcessState::Exited:
    case ProcessState::Crashed:
        sentinel.ready = false;
        if (sentinel.ping->isRunning()) {
            sentinel.ping->cancel();
            if (m_starting) {
                m_starting = false;
                QString why = QStringLiteral("%1 on port %2 ended: %3")
                                  .arg(sentinel.process->name())
                                  .arg(sentinel.config.port)
                                  .arg(sentinel.process->exitReason());
                const QStringList lines = sentinel.process->recentLines(5);
                if (!lines.isEmpty())
                    why += QStringLiteral("; last output: ") + lines.join(QStringLiteral(" | "));
                Q_EMIT failed(why);
            }
        }
        break;
    case ProcessState::Stopped:
        sentinel.ready = false;
        sentinel.ping->cancel();
        if (!isLive())
            m_dir.reset();
        break;
    case ProcessState::Healthy:
    case ProcessState::Stopping:
        break;
    }
}

void SentinelGroup::waitForReplicaSync()
{
    RedisConnectionOptions options;
    options.url.host = QStringLiteral("127.0.0.1");
    options.url.port = m_replica->port();
    options.password = m_redisPassword;
    options.passwordSource = QStringLiteral("the farm's Redis password");
    options.clientName = QStringLiteral("farmchat:launcher");
    m_probe = std::make_unique<RedisConnection>(options);
    m_probe->start();
    m_syncTimer.start();
}

void SentinelGroup::pollReplicaSync()
{
    if (!m_probe || !m_probe->isReady() || m_probe->pendingCommands() > 0)
        return;
    m_probe->command({"INFO", "replication"}, [this](const RedisValue &reply) {
        if (!m_starting || m_replicaReady
            || redisInfoField(reply.bytes(), "master_link_status") != "up")
            return;
        m_syncTimer.stop();
        m_probe.reset();
        m_replicaReady = true;
        for (const auto &sentinel : m_sentinels)
            sentinel->process->start();
    });
}

void SentinelGroup::checkReady()
{
    if (!m_starting || !m_replicaReady)
        return;
    for (const auto &sentinel : m_sentinels) {
        if (!sentinel->ready)
            return;
    }
    if (m_probe)
        return;
    RedisConnectionOptions options;
    options.url.host = QStringLiteral("127.0.0.1");
    options.url.port = m_sentinels.front()->config.port;
    options.password = m_password;
    options.passwordSource = QStringLiteral("the Sentinel password");
    options.clientName = QStringLiteral("farmchat:launcher");
    m_probe = std::make_unique<RedisConnection>(options);
    m_probe->start();
    m_quorumTimer.start();
}

void SentinelGroup::pollQuorum()
{
    if (!m_probe || !m_probe->isReady() || m_probe->pendingCommands() > 0)
        return;
    const QByteArray name = m_masterName.toUtf8();
    m_probe->command({"SENTINEL", "CKQUORUM", name}, [this](const RedisValue &reply) {
        m_lastQuorumAnswer = reply.isError() ? reply.errorText() : QString::fromUtf8(reply.bytes());
    });
    m_probe->command({"SENTINEL", "MASTER", name}, [this](const RedisValue &reply) {
        if (!m_starting || reply.isError())
            return;
        int replicas = 0;
        int otherSentinels = 0;
        const QList<RedisValue> &fields = reply.elements();
        for (qsizetype i = 0; i + 1 < fields.size(); i += 2) {
            if (fields[i].bytes() == "num-slaves")
                replicas = fields[i + 1].bytes().toInt();
            else if (fields[i].bytes() == "num-other-sentinels")
                otherSentinels = fields[i + 1].bytes().toInt();
        }
        if (!m_lastQuorumAnswer.startsWith(u"OK") || replicas < 1
            || otherSentinels < kSentinels - 1)
            return;
        qCInfo(lcLauncherSentinel, "Sentinels ready: %d replica(s), %d other Sentinel(s)", replicas,
            otherSentinels);
        m_starting = false;
        m_deadline.stop();
        m_quorumTimer.stop();
        m_probe.reset();
        Q_EMIT ready();
    });
}

void SentinelGroup::stop()
{
    m_starting = false;
    m_deadline.stop();
    m_quorumTimer.stop();
    m_syncTimer.stop();
    m_probe.reset();
    for (const auto &sentinel : m_sentinels) {
        sentinel->ping->cancel();
        if (farmchat::isLive(sentinel->process->state()))
            sentinel->process->stop();
    }
    m_replica->stop();
    if (!isLive())
        m_dir.reset();
}

bool SentinelGroup::isLive() const
{
    if (farmchat::isLive(m_replica->process()->state()))
        return true;
    for (const auto &sentinel : m_sentinels) {
        if (farmchat::isLive(sentinel->process->state()))
            return true;
    }
    return false;
}

void SentinelGroup::restartSentinel(int index)
{
    if (index < 0 || index >= sentinelCount())
        return;
    // Its rewritten file, which knows the current primary, stays.
    m_sentinels[size_t(index)]->process->restart();
}

} // namespace farmchat
