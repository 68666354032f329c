#include "launcher/redisinstance.h"

#include "launcher/managedprocess.h"
#include "launcher/portprobe.h"
#include "launcher/redismemorypoll.h"
#include "launcher/redisping_p.h"
#include "launcher/secret_p.h"

#include <QDir>
#include <QLoggingCategory>

#include <algorithm>

namespace farmchat {

Q_LOGGING_CATEGORY(lcLauncherRedis, "farmchat.launcher.redis")

RedisInstance::RedisInstance(
    const QString &program, ProcessGuard &guard, QObject *parent, const QString &name)
    : QObject(parent)
    , m_process(std::make_unique<ManagedProcess>(name, guard))
    , m_ping(std::make_unique<RedisPing>())
    , m_memory(std::make_unique<RedisMemoryPoll>())
{
    connect(m_memory.get(), &RedisMemoryPoll::changed, this, &RedisInstance::memoryChanged);
    m_config.password = generateSecret(40);
    m_process->setProgram(program, {QStringLiteral("-")});
    // Redis needs none of the farm's secrets; its own password reaches it through stdin.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("FARMCHAT_REDIS_PASSWORD"));
    environment.remove(QStringLiteral("FARMCHAT_ADMIN_TOKEN"));
    environment.remove(QStringLiteral("FARMCHAT_SENTINEL_PASSWORD"));
    m_process->setEnvironment(environment);
    // Its dump/AOF files and a CONFIG REWRITE stay private to the user.
    m_process->setPrivateFiles(true);
    connect(m_process.get(), &ManagedProcess::stateChanged, this, &RedisInstance::onStateChanged);
    connect(m_ping.get(), &RedisPing::finished, this, [this](const Result<void> &pong) {
        if (m_process->state() != ProcessState::Starting)
            return;
        if (pong) {
            m_process->markHealthy();
            m_memory->start(m_config.port, m_config.password);
            Q_EMIT ready();
            return;
        }
        const QString why = describeFailure(QStringLiteral("did not answer PING: ") + pong.error());
        m_process->kill();
        Q_EMIT failed(why);
    });
}

RedisInstance::~RedisInstance() = default;

QString RedisInstance::url() const
{
    return QStringLiteral("redis://127.0.0.1:%1/0").arg(m_config.port);
}

QString RedisInstance::directory() const
{
    return m_dir ? m_dir->path() : QString();
}

void RedisInstance::setLogFile(const QString &path)
{
    m_process->setLogFile(path);
}

void RedisInstance::start(quint16 port)
{
    if (isLive(m_process->state()))
        return;
    m_autoPort = port == 0;
    m_portRetriesLeft = m_autoPort ? kPortRetries : 0;
    if (!pickPorts(port, {}))
        return;
    restart();
}

bool RedisInstance::pickPorts(quint16 port, const QList<quint16> &avoid)
{
    const int wanted = (port == 0 ? 1 : 0) + (m_clusterNode ? 1 : 0);
    QList<quint16> exclude = avoid;
    if (port != 0)
        exclude << port;
    const QList<quint16> free
        = wanted > 0 ? PortProbe::pickFree(wanted, exclude) : QList<quint16>();
    if (free.size() != wanted) {
        Q_EMIT failed(QStringLiteral("redis-server: no free port on 127.0.0.1"));
        return false;
    }
    m_config.port = port != 0 ? port : free.first();
    m_config.clusterBusPort = m_clusterNode ? free.last() : 0;
    m_process->setPort(m_config.port);
    return true;
}

void RedisInstance::restart()
{
    m_stopRequested = false;
    if (isLive(m_process->state())) {
        m_ping->cancel();
        m_process->restart();
        return;
    }
    m_process->start();
}

bool RedisInstance::prepareRun()
{
    if (!m_dir) {
        m_dir = std::make_unique<QTemporaryDir>(
            QDir::tempPath() + QStringLiteral("/farmchat-redis-XXXXXX"));
        if (!m_dir->isValid()) {
            const QString error = m_dir->errorString();
            m_dir.reset();
            m_process->kill();
            Q_EMIT failed(QStringLiteral("redis-server: cannot create a temp dir: %1").arg(error));
            return false;
        }
    }
    m_config.directory = m_dir->path();
    m_process->setPort(m_config.port);
    m_process->setStandardInput(m_config.toConfigText());
    return true;
}

void RedisInstance::stop()
{
    m_stopRequested = true;
    m_ping->cancel();
    if (isLive(m_process->state()))
        m_process->stop();
    else
        m_dir.reset();
}

void RedisInstance::kill()
{
    m_ping->cancel();
    m_process->kill();
}

void RedisInstance::onStateChanged()
{
    if (m_process->state() != ProcessState::Healthy)
        m_memory->stop();
    switch (m_process->state()) {
    case ProcessState::Starting:
        // Every run, restarts included, keeps port, password and dir.
        if (prepareRun())
            m_ping->start(
                QStringLiteral("127.0.0.1"), m_config.port, m_config.password, m_readyTimeoutMs);
        break;
    case ProcessState::Stopped:
        m_ping->cancel();
        if (m_stopRequested)
            m_dir.reset();
        break;
    case ProcessState::Exited:
    case ProcessState::Crashed:
        if (m_ping->isRunning()) {
            m_ping->cancel();
            // An auto-picked port can be taken between picking and binding.
            if (m_autoPort && m_portRetriesLeft > 0 && lostPortRace()) {
                --m_portRetriesLeft;
                const quint16 taken = m_config.port;
                if (pickPorts(0, {taken, m_config.clusterBusPort})) {
                    qCInfo(lcLauncherRedis, "port %u was taken meanwhile, trying %u", taken,
                        m_config.port);
                    restart();
                }
                return;
            }
            Q_EMIT failed(describeFailure(QStringLiteral("ended: ") + m_process->exitReason()));
        }
        break;
    case ProcessState::Healthy:
    case ProcessState::Stopping:
        break;
    }
}

bool RedisInstance::lostPortRace() const
{
    // redis-server ends with "Failed listening on port N"; the bind error ("Address
    // already in use") is a line before it, for the client port and the cluster bus alike.
    if (m_process->exitReason().contains(u"in use"))
        return true;
    const QStringList lines = m_process->recentLines(5);
    return std::any_of(lines.cbegin(), lines.cend(),
        [](const QString &line) { return line.contains(u"Address already in use"); });
}

QString RedisInstance::describeFailure(const QString &what) const
{
    QString text = QStringLiteral("redis-server on port %1 %2").arg(m_config.port).arg(what);
    const QStringList lines = m_process->recentLines(5);
    if (!lines.isEmpty())
        text += QStringLiteral("; last output: ") + lines.join(QStringLiteral(" | "));
    return text;
}

} // namespace farmchat
