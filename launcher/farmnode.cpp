#include "launcher/farmnode.h"

#include "launcher/managedprocess.h"
#include "launcher/nodehttpclient_p.h"

namespace farmchat {

FarmNode::FarmNode(quint16 port, ProcessGuard &guard, NodeHttpClient &http, QObject *parent)
    : QObject(parent)
    , m_process(std::make_unique<ManagedProcess>(QStringLiteral("node-%1").arg(port), guard))
    , m_http(http)
    , m_port(port)
{
    m_process->setPort(port);
    m_deadline.setSingleShot(true);
    connect(&m_pollTimer, &QTimer::timeout, this, &FarmNode::poll);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        if (m_process->state() != ProcessState::Starting)
            return;
        const QString error = QStringLiteral("%1 did not answer /health within %2 ms (%3)%4")
                                  .arg(name())
                                  .arg(m_healthTimeoutMs)
                                  .arg(m_lastPollError, lastLines());
        m_process->kill(QStringLiteral("no good /health within %1 ms").arg(m_healthTimeoutMs));
        Q_EMIT startFailed(error);
    });
    connect(m_process.get(), &ManagedProcess::stateChanged, this, &FarmNode::onStateChanged);
    connect(m_process.get(), &ManagedProcess::logLine, this, [this](const QString &line) {
        // The node says when it listens; ask at once rather than at the next tick.
        if (m_process->state() == ProcessState::Starting && line.contains(u"listening http"))
            pollNow();
    });
}

FarmNode::~FarmNode() = default;

QString FarmNode::name() const
{
    return m_process->name();
}

QUrl FarmNode::url() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(m_port);
    url.setPath(QStringLiteral("/"));
    return url;
}

QStringList FarmNode::commandLine(quint16 port, const QList<quint16> &farmPorts,
    const QString &redisUrl, BackplaneMode mode, quint16 publicPort)
{
    QStringList arguments {QStringLiteral("--port"), QString::number(port),
        QStringLiteral("--node-id"), QStringLiteral("node-%1").arg(port), QStringLiteral("--redis"),
        redisUrl, QStringLiteral("--backplane"), modeName(mode)};
    for (const quint16 other : farmPorts) {
        if (other == port)
            continue;
        arguments << QStringLiteral("--allowed-origin")
                  << QStringLiteral("http://127.0.0.1:%1").arg(other)
                  << QStringLiteral("--allowed-origin")
                  << QStringLiteral("http://localhost:%1").arg(other);
    }
    if (publicPort != 0)
        arguments << QStringLiteral("--public-url")
                  << QStringLiteral("http://127.0.0.1:%1").arg(publicPort)
                  << QStringLiteral("--public-url")
                  << QStringLiteral("http://localhost:%1").arg(publicPort);
    return arguments;
}

void FarmNode::prepareRun(const QString &program, const QList<quint16> &farmPorts,
    const QString &redisUrl, BackplaneMode mode, const QByteArray &redisPassword,
    const QByteArray &adminToken)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    if (redisPassword.isEmpty())
        environment.remove(QStringLiteral("FARMCHAT_REDIS_PASSWORD"));
    else
        environment.insert(
            QStringLiteral("FARMCHAT_REDIS_PASSWORD"), QString::fromLatin1(redisPassword));
    environment.insert(QStringLiteral("FARMCHAT_ADMIN_TOKEN"), QString::fromLatin1(adminToken));
    QStringList arguments = commandLine(m_port, farmPorts, redisUrl, mode, m_publicPort);
    if (m_kind == NodeKind::AspNetCore) {
        // The ASP.NET Core node checks the Origin only, not the Host: the
        // balancer's origin is one more allowed origin.
        for (QString &argument : arguments) {
            if (argument == QLatin1StringView("--public-url"))
                argument = QStringLiteral("--allowed-origin");
        }
    }
    if (!m_clusterSeeds.isEmpty()) {
        const qsizetype at = arguments.indexOf(QStringLiteral("--redis"));
        if (at >= 0)
            arguments[at] = QStringLiteral("--redis-cluster");
        if (at >= 0 && at + 1 < arguments.size())
            arguments[at + 1] = m_clusterSeeds;
    }
    if (m_sentinels.isEmpty()) {
        environment.remove(QStringLiteral("FARMCHAT_SENTINEL_PASSWORD"));
    } else {
        environment.insert(
            QStringLiteral("FARMCHAT_SENTINEL_PASSWORD"), QString::fromLatin1(m_sentinelPassword));
        const qsizetype at = arguments.indexOf(QStringLiteral("--redis"));
        if (at >= 0)
            arguments.remove(at, 2);
        // A failover must not lose what a sender was told was accepted:
        // streams mode confirms a send once the replica has it too (unless
        // the user turned WAIT off to measure what it costs or saves).
        arguments << QStringLiteral("--redis-sentinel") << m_sentinels
                  << QStringLiteral("--redis-master-name") << m_masterName;
    }
    if (!m_sentinels.isEmpty() || !m_clusterSeeds.isEmpty()) {
        arguments << QStringLiteral("--stream-wait-replicas")
                  << QString::number(m_streamWaitReplicas);
        if (m_streamWaitReplicas > 0)
            arguments << QStringLiteral("--stream-wait-timeout")
                      << QString::number(m_streamWaitTimeoutMs);
    }
    m_process->setEnvironment(environment);
    m_process->setProgram(program, arguments);
}

void FarmNode::pollNow()
{
    poll();
}

void FarmNode::onStateChanged()
{
    switch (m_process->state()) {
    case ProcessState::Starting:
        m_lastPollError = QStringLiteral("no answer yet");
        m_deadline.start(m_healthTimeoutMs);
        m_pollTimer.start(kStartPollMs);
        break;
    case ProcessState::Healthy:
        m_deadline.stop();
        m_pollTimer.start(m_pollIntervalMs);
        break;
    case ProcessState::Stopping:
        m_deadline.stop();
        m_pollTimer.stop();
        break;
    case ProcessState::Stopped:
    case ProcessState::Exited:
    case ProcessState::Crashed: {
        m_pollTimer.stop();
        const bool wasStarting = m_deadline.isActive();
        m_deadline.stop();
        NodeHealth gone;
        gone.error = m_process->exitReason();
        gone.checkedAt = QDateTime::currentDateTime();
        setHealth(gone);
        if (wasStarting && !m_process->exitWasRequested()) {
            const QString reason = m_process->exitReason();
            const QStringList lines = m_process->recentLines(5);
            // "exit code 3: <last line>" quotes the last line already; repeat
            // the output only when there is more of it.
            const bool saysItAll = lines.size() <= 1
                && (lines.isEmpty() || reason.endsWith(lines.first().trimmed()));
            Q_EMIT startFailed(QStringLiteral("%1 ended while starting: %2%3")
                                   .arg(name(), reason, saysItAll ? QString() : lastLines()));
        }
        break;
    }
    }
}

void FarmNode::poll()
{
    if (m_inFlight) {
        m_pollAgain = true;
        return;
    }
    const ProcessState state = m_process->state();
    if (state != ProcessState::Starting && state != ProcessState::Healthy)
        return;
    m_inFlight = true;
    const int timeout = state == ProcessState::Starting ? 1000 : qMax(500, m_pollIntervalMs);
    m_http.getHealth(url(), timeout, this, [this](const Result<NodeHealth> &result) {
        m_inFlight = false;
        onHealth(result);
        if (m_pollAgain) {
            m_pollAgain = false;
            poll();
        }
    });
}

void FarmNode::onHealth(const Result<NodeHealth> &result)
{
    const ProcessState state = m_process->state();
    if (state != ProcessState::Starting && state != ProcessState::Healthy)
        return;
    if (!result) {
        m_lastPollError = result.error();
        if (state == ProcessState::Healthy) {
            NodeHealth unreachable = m_health;
            unreachable.reachable = false;
            unreachable.error = result.error();
            unreachable.checkedAt = QDateTime::currentDateTime();
            setHealth(unreachable);
        }
        return;
    }
    NodeHealth health = result.value();
    // Another program answering on our port is not our node.
    if ((health.port != 0 && health.port != m_port) || health.nodeId != name()) {
        m_lastPollError = QStringLiteral("/health answered for %1 on port %2")
                              .arg(health.nodeId)
                              .arg(health.port);
        return;
    }
    setHealth(health);
    if (state == ProcessState::Starting) {
        m_process->markHealthy();
        Q_EMIT becameHealthy();
    }
}

void FarmNode::setHealth(const NodeHealth &health)
{
    const bool changed = !health.sameAs(m_health);
    m_health = health;
    if (changed)
        Q_EMIT healthChanged();
}

QString FarmNode::lastLines() const
{
    const QStringList lines = m_process->recentLines(5);
    return lines.isEmpty() ? QStringLiteral("; no output")
                           : QStringLiteral("; last output: ") + lines.join(QStringLiteral(" | "));
}

} // namespace farmchat
