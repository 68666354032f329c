#include "launcher/haproxyinstance.h"

#include "launcher/managedprocess.h"
#include "launcher/secret_p.h"

#include <QDir>
#include <QFile>
#include <QLoggingCategory>

#include <algorithm>

namespace farmchat {

Q_LOGGING_CATEGORY(lcLauncherLb, "farmchat.launcher.lb")

QString lbServerAdminName(LbServerAdmin state)
{
    switch (state) {
    case LbServerAdmin::Ready:
        return QStringLiteral("ready");
    case LbServerAdmin::Drain:
        return QStringLiteral("drain");
    case LbServerAdmin::Maint:
        return QStringLiteral("maint");
    }
    return {};
}

HaproxyInstance::HaproxyInstance(const QString &program, ProcessGuard &guard, QObject *parent)
    : QObject(parent), m_process(std::make_unique<ManagedProcess>(QStringLiteral("haproxy"), guard))
{
    // -db: foreground, no daemon, so the guard and the log see the real
    // process; the arguments follow with each run's config (onStateChanged).
    m_process->setProgram(program, {});
    // The balancer needs none of the farm's secrets.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("FARMCHAT_REDIS_PASSWORD"));
    environment.remove(QStringLiteral("FARMCHAT_ADMIN_TOKEN"));
    m_process->setEnvironment(environment);
    m_pollTimer.setInterval(kReadyPollMs);
    m_deadline.setSingleShot(true);
    connect(&m_pollTimer, &QTimer::timeout, this, &HaproxyInstance::poll);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        if (m_process->state() != ProcessState::Starting)
            return;
        const QString why = describeFailure(QStringLiteral("was not ready within %1 ms (%2)")
                                                .arg(m_readyTimeoutMs)
                                                .arg(m_lastPollError));
        m_process->kill(QStringLiteral("not ready within %1 ms").arg(m_readyTimeoutMs));
        Q_EMIT failed(why);
    });
    connect(m_process.get(), &ManagedProcess::stateChanged, this, &HaproxyInstance::onStateChanged);
}

HaproxyInstance::~HaproxyInstance() = default;

QUrl HaproxyInstance::url() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(m_config.port);
    url.setPath(QStringLiteral("/"));
    return url;
}

QString HaproxyInstance::directory() const
{
    return m_dir ? m_dir->path() : QString();
}

QString HaproxyInstance::configPath() const
{
    return m_dir ? QDir(m_dir->path()).filePath(QStringLiteral("haproxy.cfg")) : QString();
}

void HaproxyInstance::setLogFile(const QString &path)
{
    m_process->setLogFile(path);
}

void HaproxyInstance::start(LbPolicy policy, quint16 port, const QList<quint16> &nodePorts,
    const QList<quint16> &serverPorts)
{
    if (isLive(m_process->state()))
        return;
    m_config.policy = policy;
    m_config.port = port;
    m_config.nodePorts = nodePorts;
    m_config.serverPorts = serverPorts;
    m_config.dynamicCookieKey = generateSecret(16);
    m_process->setPort(port);
    m_process->start();
}

bool HaproxyInstance::prepareRun()
{
    if (!m_dir) {
        // QTemporaryDir creates it 0700: nobody else reaches the config or the socket.
        m_dir = std::make_unique<QTemporaryDir>(
            QDir::tempPath() + QStringLiteral("/farmchat-haproxy-XXXXXX"));
        if (!m_dir->isValid()) {
            const QString error = m_dir->errorString();
            m_dir.reset();
            m_process->kill();
            Q_EMIT failed(QStringLiteral("haproxy: cannot create a temp dir: %1").arg(error));
            return false;
        }
    }
    m_config.socketPath = QDir(m_dir->path()).filePath(QStringLiteral("runtime.sock"));
    QFile::remove(m_config.socketPath); // a stale one from the last run
    QFile file(configPath());
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || file.write(m_config.toConfigText()) < 0) {
        const QString error = file.errorString();
        m_process->kill();
        Q_EMIT failed(QStringLiteral("haproxy: cannot write %1: %2").arg(configPath(), error));
        return false;
    }
    file.close();
    m_runtime = std::make_unique<HaproxyRuntime>(m_config.socketPath);
    m_servers.clear();
    m_lastPollError = QStringLiteral("no answer yet");
    return true;
}

void HaproxyInstance::stop()
{
    m_pollTimer.stop();
    m_deadline.stop();
    if (isLive(m_process->state()))
        m_process->stop();
    else
        m_dir.reset();
}

void HaproxyInstance::kill()
{
    m_pollTimer.stop();
    m_deadline.stop();
    m_process->kill();
}

void HaproxyInstance::onStateChanged()
{
    switch (m_process->state()) {
    case ProcessState::Starting:
        // The arguments name the config file, which lives in this run's dir.
        if (!prepareRun())
            break;
        m_process->setProgram(
            m_process->program(), {QStringLiteral("-db"), QStringLiteral("-f"), configPath()});
        m_pollTimer.setInterval(kReadyPollMs);
        m_pollTimer.start();
        m_deadline.start(m_readyTimeoutMs);
        break;
    case ProcessState::Healthy:
        m_pollTimer.setInterval(m_pollIntervalMs);
        break;
    case ProcessState::Stopping:
        break;
    case ProcessState::Stopped:
    case ProcessState::Exited:
    case ProcessState::Crashed: {
        const bool wasStarting = m_deadline.isActive();
        m_pollTimer.stop();
        m_deadline.stop();
        m_runtime.reset();
        m_inFlight = false;
        failBatches(QStringLiteral("the load balancer ended before HAProxy answered"));
        if (!m_servers.isEmpty()) {
            m_servers.clear();
            Q_EMIT serversChanged();
        }
        if (m_process->state() == ProcessState::Stopped)
            m_dir.reset();
        if (wasStarting)
            Q_EMIT failed(describeFailure(QStringLiteral("ended: ") + m_process->exitReason()));
        break;
    }
    }
}

void HaproxyInstance::poll()
{
    if (!m_runtime || m_inFlight)
        return;
    m_inFlight = true;
    m_runtime->send(QStringLiteral("show stat"), [this](const Result<QString> &answer) {
        m_inFlight = false;
        Result<QList<LbServerStatus>> servers = answer
            ? HaproxyRuntime::parseServers(answer.value(), HaproxyConfig::kBackend)
            : Result<QList<LbServerStatus>>::failure(answer.error());
        if (!servers) {
            m_lastPollError = servers.error();
            return;
        }
        const bool changed = servers.value().size() != m_servers.size()
            || std::equal(m_servers.cbegin(), m_servers.cend(), servers->cbegin(),
                   [](const LbServerStatus &a, const LbServerStatus &b) {
                       return a.name == b.name && a.status == b.status && a.sessions == b.sessions;
                   })
                == false;
        m_servers = std::move(servers).value();
        if (changed)
            Q_EMIT serversChanged();
        if (m_process->state() != ProcessState::Starting)
            return;
        const bool allUp = !m_servers.isEmpty()
            && std::all_of(m_servers.cbegin(), m_servers.cend(),
                [](const LbServerStatus &s) { return s.status == u"UP"; });
        if (!allUp) {
            m_lastPollError = QStringLiteral("waiting for every node's health check");
            return;
        }
        m_deadline.stop();
        qCInfo(lcLauncherLb, "haproxy ready on port %u", m_config.port);
        m_process->markHealthy();
        Q_EMIT ready();
    });
}

void HaproxyInstance::setServerAdmin(quint16 nodePort, LbServerAdmin state, AdminDone done)
{
    const QString server
        = QStringLiteral("%1/%2").arg(HaproxyConfig::kBackend, HaproxyConfig::serverName(nodePort));
    QStringList commands {
        QStringLiteral("set server %1 state %2").arg(server, lbServerAdminName(state))};
    // Maintenance alone only stops new clients; the ones it serves are
    // cut off too, so they reconnect through the balancer to another node.
    if (state == LbServerAdmin::Maint)
        commands << QStringLiteral("shutdown sessions server %1").arg(server);
    runCommands(commands, [this, done](const Result<void> &outcome) {
        poll();
        done(outcome);
    });
}

const LbServerStatus *HaproxyInstance::server(quint16 nodePort) const
{
    const QString name = HaproxyConfig::serverName(nodePort);
    for (const LbServerStatus &status : m_servers) {
        if (status.name == name)
            return &status;
    }
    return nullptr;
}

void HaproxyInstance::addServer(quint16 nodePort, quint16 address, AdminDone done)
{
    QStringList commands {m_config.addServerCommand(nodePort, address)};
    if (m_config.policy == LbPolicy::Sticky) {
        // Setting the key again derives the cookie of the server just added.
        commands << QStringLiteral("set dynamic-cookie-key backend %1 %2")
                        .arg(
                            HaproxyConfig::kBackend, QString::fromLatin1(m_config.dynamicCookieKey))
                 << QStringLiteral("enable dynamic-cookie backend %1").arg(HaproxyConfig::kBackend);
    }
    const QString server
        = QStringLiteral("%1/%2").arg(HaproxyConfig::kBackend, HaproxyConfig::serverName(nodePort));
    // A server added while running starts in maintenance with its check off.
    commands << QStringLiteral("enable health %1").arg(server)
             << QStringLiteral("enable server %1").arg(server);
    m_addsUnderWay << nodePort;
    runCommands(commands, [this, nodePort, address, done](const Result<void> &outcome) {
        m_addsUnderWay.removeOne(nodePort);
        if (outcome) {
            // A restarted haproxy writes its config again: with this node.
            m_config.nodePorts << nodePort;
            m_config.serverPorts << address;
        }
        poll();
        done(outcome);
    });
}

void HaproxyInstance::deleteServer(quint16 nodePort, AdminDone done)
{
    const QString server
        = QStringLiteral("%1/%2").arg(HaproxyConfig::kBackend, HaproxyConfig::serverName(nodePort));
    // HAProxy deletes only a server in maintenance.
    runCommands({QStringLiteral("set server %1 state maint").arg(server),
                    QStringLiteral("del server %1").arg(server)},
        [this, nodePort, done](const Result<void> &outcome) {
            // After any add asked before it; a restarted haproxy goes without it either way.
            const qsizetype at = m_config.nodePorts.indexOf(nodePort);
            if (at >= 0) {
                m_config.nodePorts.removeAt(at);
                if (at < m_config.serverPorts.size())
                    m_config.serverPorts.removeAt(at);
            }
            poll();
            done(outcome);
        });
}

bool HaproxyInstance::hasServer(quint16 nodePort) const
{
    return m_config.nodePorts.contains(nodePort) || m_addsUnderWay.contains(nodePort);
}

void HaproxyInstance::runCommands(QStringList commands, AdminDone done)
{
    if (!m_runtime || m_process->state() != ProcessState::Healthy) {
        done(Result<void>::failure(QStringLiteral("the load balancer is not running")));
        return;
    }
    m_batches.push_back({std::move(commands), std::move(done)});
    if (m_batches.size() == 1)
        runBatchStep();
}

void HaproxyInstance::runBatchStep()
{
    if (!m_runtime) {
        failBatches(QStringLiteral("the load balancer ended before HAProxy answered"));
        return;
    }
    AdminBatch &batch = m_batches.front();
    if (batch.commands.isEmpty()) {
        finishBatch({});
        return;
    }
    m_runtime->send(batch.commands.takeFirst(), [this](const Result<QString> &answer) {
        if (answer)
            runBatchStep();
        else
            finishBatch(Result<void>::failure(answer.error()));
    });
}

void HaproxyInstance::finishBatch(const Result<void> &outcome)
{
    const AdminDone done = std::move(m_batches.front().done);
    m_batches.pop_front();
    if (!m_batches.empty())
        runBatchStep();
    done(outcome);
}

void HaproxyInstance::failBatches(const QString &why)
{
    // The runtime that would have answered them is gone; `done` may queue more.
    std::deque<AdminBatch> waiting;
    waiting.swap(m_batches);
    m_addsUnderWay.clear();
    for (AdminBatch &batch : waiting)
        batch.done(Result<void>::failure(why));
}

void HaproxyInstance::runtimeCommand(const QString &command, HaproxyRuntime::Done done)
{
    if (!m_runtime) {
        done(Result<QString>::failure(QStringLiteral("the load balancer is not running")));
        return;
    }
    m_runtime->send(command, std::move(done));
}

QString HaproxyInstance::describeFailure(const QString &what) const
{
    QString text = QStringLiteral("haproxy on port %1 %2").arg(m_config.port).arg(what);
    const QStringList lines = m_process->recentLines(5);
    if (!lines.isEmpty())
        text += QStringLiteral("; last output: ") + lines.join(QStringLiteral(" | "));
    return text;
}

} // namespace farmchat
