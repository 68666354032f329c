#pragma once

#include "launcher/processstate.h"

#include <QDateTime>
#include <QFile>
#include <QObject>
#include <QProcessEnvironment>
#include <QStringList>
#include <QTimer>

class QProcess;

namespace farmchat {

class ProcessGuard;

// One supervised child of the farm (redis-server or a node). Spawns it without
// blocking, guards it so it never outlives the launcher, keeps its recent output
// and a per-process log file, stops it politely (SIGTERM, SIGKILL after a grace
// period) and says in words why it ended. RedisInstance and FarmNode each own
// one; the CLI and the desktop app read them through FarmSupervisor.
//
// Everything is asynchronous: start() returns at once and stateChanged() tells
// what happened. Spawn from the thread that lives as long as the supervisor
// (the main thread): Linux ties PR_SET_PDEATHSIG to the spawning thread.
class ManagedProcess : public QObject
{
    Q_OBJECT
public:
    static constexpr int kDefaultStopGraceMs = 3000;
    static constexpr int kLogCapacity = 500; // lines kept in memory
    static constexpr int kMaxLineChars = 16 * 1024; // longer output is split

    // `guard` must outlive this object (FarmSupervisor owns one for the farm).
    ManagedProcess(QString name, ProcessGuard &guard, QObject *parent = nullptr);
    ~ManagedProcess() override;

    // Setup; takes effect at the next start().
    void setProgram(const QString &program, const QStringList &arguments);
    void setEnvironment(const QProcessEnvironment &environment);
    // Written to the child's stdin once it runs, then stdin is closed. Used for
    // secrets (Redis config): never logged, never in argv. Empty: stdin is null.
    void setStandardInput(const QByteArray &data);
    // Appends output here (directory must exist); empty: no file.
    void setLogFile(const QString &path);
    // The child creates every file 0600 (umask 077): for children that write
    // secrets to disk themselves (Redis, Sentinel rewriting its config).
    void setPrivateFiles(bool privateFiles);
    void setPort(quint16 port) { m_port = port; }
    void setStopGraceMs(int ms) { m_stopGraceMs = ms; }

    QString name() const { return m_name; }
    QString program() const { return m_program; }
    QStringList arguments() const { return m_arguments; }
    QString logFile() const { return m_logFile.fileName(); }
    ProcessState state() const { return m_state; }
    quint16 port() const { return m_port; }
    // The pid of the current run, or of the last one after it ended (0: never ran).
    qint64 pid() const { return m_pid; }
    QDateTime startedAt() const { return m_startedAt; }
    int startCount() const { return m_startCount; }
    // Why the last run ended ("killed by SIGKILL", "exit code 3: port 9090 in
    // use", "stopped: exit code 0"); empty while running or before any run.
    QString exitReason() const { return m_exitReason; }
    // Whether the last run ended because stop() or kill() asked it to.
    bool exitWasRequested() const { return m_exitRequested; }
    // Up to `max` most recent output lines (all kept ones when max < 0), oldest first.
    QStringList recentLines(int max = -1) const;

public Q_SLOTS:
    // Stopped/Exited/Crashed → Starting. Ignored while live.
    void start();
    // Starting → Healthy: the owner saw it serve.
    void markHealthy();
    // SIGTERM now, SIGKILL after the grace period; ends in Stopped.
    void stop();
    // SIGKILL now (a fault the user injects, or a child that failed its
    // health check); ends in Crashed, the reason saying `why` ("on request").
    void kill(const QString &why = {});
    // stop() if live, then start() once it has ended.
    void restart();

Q_SIGNALS:
    void stateChanged(farmchat::ProcessState state);
    // The child exists now (follows stateChanged(Starting)); pid() is valid.
    void started(qint64 pid);
    void logLine(const QString &line);

private:
    void setState(ProcessState state);
    void onStarted();
    void onFinished(int exitCode, int exitStatus);
    void onFailedToStart();
    void readOutput();
    void emitLine(QString line);
    void writeLog(const QString &line);
    void ended(ProcessState state, const QString &reason);

    QString m_name;
    ProcessGuard &m_guard;
    QProcess *m_process = nullptr; // child of this object, reused across runs
    QTimer m_killTimer; // SIGKILL after the grace period
    QString m_program;
    QStringList m_arguments;
    QProcessEnvironment m_environment;
    QByteArray m_stdin;
    QFile m_logFile;
    QByteArray m_partialLine;
    QStringList m_lines;
    QString m_exitReason;
    QString m_killWhy;
    QDateTime m_startedAt;
    ProcessState m_state = ProcessState::Stopped;
    qint64 m_pid = 0;
    int m_startCount = 0;
    int m_stopGraceMs = kDefaultStopGraceMs;
    quint16 m_port = 0;
    bool m_stopRequested = false;
    bool m_killRequested = false;
    bool m_exitRequested = false;
    bool m_escalated = false;
    bool m_restartPending = false;
};

} // namespace farmchat
