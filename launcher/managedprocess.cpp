#include "launcher/managedprocess.h"

#include "launcher/exitreason_p.h"
#include "platform/processguard.h"

#include <QLoggingCategory>
#include <QProcess>

namespace farmchat {

Q_LOGGING_CATEGORY(lcLauncherProcess, "farmchat.launcher.process")

QString processStateName(ProcessState state)
{
    switch (state) {
    case ProcessState::Stopped:
        return QStringLiteral("stopped");
    case ProcessState::Starting:
        return QStringLiteral("starting");
    case ProcessState::Healthy:
        return QStringLiteral("healthy");
    case ProcessState::Stopping:
        return QStringLiteral("stopping");
    case ProcessState::Exited:
        return QStringLiteral("exited");
    case ProcessState::Crashed:
        return QStringLiteral("crashed");
    }
    return QStringLiteral("stopped");
}

ManagedProcess::ManagedProcess(QString name, ProcessGuard &guard, QObject *parent)
    : QObject(parent)
    , m_name(std::move(name))
    , m_guard(guard)
    , m_process(new QProcess(this))
    , m_environment(QProcessEnvironment::systemEnvironment())
{
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_guard.prepare(*m_process);
    connect(m_process, &QProcess::started, this, &ManagedProcess::onStarted);
    connect(m_process, &QProcess::readyReadStandardOutput, this, &ManagedProcess::readOutput);
    connect(m_process, &QProcess::finished, this,
        [this](int code, QProcess::ExitStatus status) { onFinished(code, int(status)); });
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            onFailedToStart();
    });
    m_killTimer.setSingleShot(true);
    connect(&m_killTimer, &QTimer::timeout, this, [this] {
        if (m_process->state() == QProcess::NotRunning)
            return;
        qCInfo(lcLauncherProcess, "%s ignored SIGTERM for %d ms: sending SIGKILL",
            qPrintable(m_name), m_stopGraceMs);
        m_escalated = true;
        m_process->kill();
    });
}

void ManagedProcess::setPrivateFiles(bool privateFiles)
{
    m_guard.prepare(
        *m_process, privateFiles ? ProcessGuard::Files::Private : ProcessGuard::Files::Inherited);
}

ManagedProcess::~ManagedProcess()
{
    // The launcher's one blocking call, and only a last resort: owners stop
    // their children asynchronously (stop(), then SIGKILL after the grace
    // period) before they destroy them, so this runs only when a
    // ManagedProcess is destroyed with its child still alive, e.g. at exit
    // after a failed stop. The child has just been SIGKILLed and cannot
    // ignore that, so the wait lasts as long as the kernel takes to reap it
    // (well under a millisecond) and never more than 2 s. Not waiting would
    // not avoid the block: ~QProcess would then warn and wait up to 30 s.
    m_process->disconnect(this);
    if (m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(2000);
    }
}

void ManagedProcess::setProgram(const QString &program, const QStringList &arguments)
{
    m_program = program;
    m_arguments = arguments;
}

void ManagedProcess::setEnvironment(const QProcessEnvironment &environment)
{
    m_environment = environment;
}

void ManagedProcess::setStandardInput(const QByteArray &data)
{
    m_stdin = data;
}

void ManagedProcess::setLogFile(const QString &path)
{
    if (m_logFile.isOpen())
        m_logFile.close();
    m_logFile.setFileName(path);
}

QStringList ManagedProcess::recentLines(int max) const
{
    if (max < 0 || max >= m_lines.size())
        return m_lines;
    return m_lines.mid(m_lines.size() - max);
}

void ManagedProcess::start()
{
    if (isLive(m_state))
        return;
    m_restartPending = false;
    m_stopRequested = m_killRequested = m_exitRequested = m_escalated = false;
    m_exitReason.clear();
    m_partialLine.clear();
    m_pid = 0;
    ++m_startCount;
    m_startedAt = QDateTime::currentDateTime();
    if (!m_logFile.fileName().isEmpty() && !m_logFile.isOpen()
        && !m_logFile.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text)) {
        qCWarning(lcLauncherProcess, "cannot write log file %s: %s",
            qPrintable(m_logFile.fileName()), qPrintable(m_logFile.errorString()));
    }
    // Owners may adjust this run's setup (stdin, port) on stateChanged(Starting).
    setState(ProcessState::Starting);
    if (m_killRequested || m_stopRequested) {
        ended(m_killRequested ? ProcessState::Crashed : ProcessState::Stopped,
            QStringLiteral("not started: stopped before it ran"));
        return;
    }
    m_process->setProcessEnvironment(m_environment);
    if (m_stdin.isEmpty())
        m_process->setStandardInputFile(QProcess::nullDevice());
    else
        m_process->setStandardInputFile(QString());
    m_process->start(m_program, m_arguments);
}

void ManagedProcess::onStarted()
{
    m_pid = m_process->processId();
    m_guard.adopt(*m_process);
    writeLog(QStringLiteral("=== %1 started (pid %2) at %3: %4 %5")
                 .arg(m_name)
                 .arg(m_pid)
                 .arg(m_startedAt.toString(Qt::ISODateWithMs), m_program, m_arguments.join(u' ')));
    qCDebug(lcLauncherProcess, "%s started, pid %lld", qPrintable(m_name), m_pid);
    if (!m_stdin.isEmpty()) {
        m_process->write(m_stdin);
        m_process->closeWriteChannel();
    }
    Q_EMIT started(m_pid);
    // A stop or kill asked for before the child existed takes effect now.
    if (m_killRequested)
        m_process->kill();
    else if (m_stopRequested)
        ProcessGuard::requestStop(*m_process);
}

void ManagedProcess::markHealthy()
{
    if (m_state == ProcessState::Starting)
        setState(ProcessState::Healthy);
}

void ManagedProcess::stop()
{
    m_restartPending = false;
    if (!isLive(m_state))
        return;
    m_stopRequested = true;
    if (m_state != ProcessState::Stopping)
        setState(ProcessState::Stopping);
    if (m_process->state() == QProcess::Running)
        ProcessGuard::requestStop(*m_process);
    if (!m_killTimer.isActive() && !m_killRequested)
        m_killTimer.start(m_stopGraceMs);
}

void ManagedProcess::kill(const QString &why)
{
    m_restartPending = false;
    if (!isLive(m_state))
        return;
    m_killRequested = true;
    m_killWhy = why.isEmpty() ? QStringLiteral("on request") : why;
    m_killTimer.stop();
    if (m_process->state() == QProcess::Running)
        m_process->kill();
}

void ManagedProcess::restart()
{
    if (!isLive(m_state)) {
        start();
        return;
    }
    stop();
    m_restartPending = true;
}

void ManagedProcess::setState(ProcessState state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void ManagedProcess::onFinished(int exitCode, int exitStatus)
{
    readOutput();
    if (!m_partialLine.isEmpty())
        emitLine(QString::fromUtf8(m_partialLine));
    m_partialLine.clear();
    m_killTimer.stop();
    const auto status = QProcess::ExitStatus(exitStatus);
    const QString lastLine = m_lines.isEmpty() ? QString() : m_lines.constLast();
    if (m_killRequested) {
        ended(ProcessState::Crashed,
            describeExit(exitCode, status) + QStringLiteral(" (%1)").arg(m_killWhy));
    } else if (m_stopRequested) {
        QString reason = QStringLiteral("stopped: ") + describeExit(exitCode, status);
        if (m_escalated)
            reason += QStringLiteral(" after %1 ms without exiting on SIGTERM").arg(m_stopGraceMs);
        ended(ProcessState::Stopped, reason);
    } else if (status == QProcess::NormalExit && exitCode == 0) {
        ended(ProcessState::Exited, describeExit(exitCode, status));
    } else {
        ended(ProcessState::Crashed, describeExit(exitCode, status, lastLine));
    }
}

void ManagedProcess::onFailedToStart()
{
    m_killTimer.stop();
    ended(ProcessState::Crashed,
        QStringLiteral("cannot start %1: %2").arg(m_program, m_process->errorString()));
}

void ManagedProcess::ended(ProcessState state, const QString &reason)
{
    m_killTimer.stop();
    m_exitRequested = m_stopRequested || m_killRequested;
    m_exitReason = reason;
    writeLog(QStringLiteral("=== %1 ended: %2").arg(m_name, reason));
    if (m_logFile.isOpen())
        m_logFile.close();
    qCDebug(lcLauncherProcess, "%s ended: %s", qPrintable(m_name), qPrintable(reason));
    const bool restart = m_restartPending;
    setState(state);
    // The QProcess is inside its own signal here; start it again from the loop.
    if (restart)
        QTimer::singleShot(0, this, [this] {
            if (!isLive(m_state))
                start();
        });
}

void ManagedProcess::readOutput()
{
    m_partialLine += m_process->readAllStandardOutput();
    qsizetype newline;
    while ((newline = m_partialLine.indexOf('\n')) >= 0) {
        QByteArray line = m_partialLine.left(newline);
        m_partialLine.remove(0, newline + 1);
        if (line.endsWith('\r'))
            line.chop(1);
        emitLine(QString::fromUtf8(line));
    }
    while (m_partialLine.size() > kMaxLineChars) {
        emitLine(QString::fromUtf8(m_partialLine.left(kMaxLineChars)));
        m_partialLine.remove(0, kMaxLineChars);
    }
}

void ManagedProcess::emitLine(QString line)
{
    m_lines.append(line);
    while (m_lines.size() > kLogCapacity)
        m_lines.removeFirst();
    writeLog(line);
    Q_EMIT logLine(line);
}

void ManagedProcess::writeLog(const QString &line)
{
    if (!m_logFile.isOpen())
        return;
    m_logFile.write(line.toUtf8() + '\n');
    m_logFile.flush();
}

} // namespace farmchat
