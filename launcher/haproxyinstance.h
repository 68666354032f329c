#pragma once

#include "core/result.h"
#include "launcher/haproxyconfig.h"
#include "launcher/haproxyruntime.h"

#include <QObject>
#include <QTemporaryDir>
#include <QTimer>
#include <QUrl>

#include <deque>
#include <memory>

namespace farmchat {

class ManagedProcess;
class ProcessGuard;

// What an operator does to one node behind the balancer, through the runtime API.
enum class LbServerAdmin {
    Ready, // takes new clients again
    Drain, // keeps its clients, gets no new ones
    Maint, // out of the farm: its clients are cut off and reconnect elsewhere
};
QString lbServerAdminName(LbServerAdmin state); // "ready", "drain", "maint"

// The farm's load balancer: a haproxy in the foreground (-db) on a generated
// config in its own private temp dir (0700; config and runtime socket 0600),
// supervised like Redis and the nodes (log lines per process, dies with the
// launcher through the ProcessGuard). Ready once its runtime API answers and
// every node passed its health check. While it runs it reads "show stat"
// every poll interval, so the sessions per node are at hand. Owned by
// FarmSupervisor.
class HaproxyInstance : public QObject
{
    Q_OBJECT
public:
    static constexpr int kReadyPollMs = 50;

    // `program` is a haproxy found by ExecutableLocator; `guard` outlives this.
    HaproxyInstance(const QString &program, ProcessGuard &guard, QObject *parent = nullptr);
    ~HaproxyInstance() override;

    ManagedProcess *process() const { return m_process.get(); }
    LbPolicy policy() const { return m_config.policy; }
    quint16 port() const { return m_config.port; }
    // http://127.0.0.1:PORT/: where clients connect.
    QUrl url() const;
    QString directory() const;
    QString configPath() const;
    QString socketPath() const { return m_config.socketPath; }
    QByteArray configText() const { return m_config.toConfigText(); }
    // The last "show stat" read, one entry per server (the config's nodes,
    // then the ones added while running).
    const QList<LbServerStatus> &servers() const { return m_servers; }
    // The entry of the node on `nodePort`; nullptr when HAProxy did not list it.
    const LbServerStatus *server(quint16 nodePort) const;

    void setReadyTimeoutMs(int ms) { m_readyTimeoutMs = ms; }
    void setPollIntervalMs(int ms) { m_pollIntervalMs = ms; }
    void setCheckIntervalMs(int ms) { m_config.checkIntervalMs = ms; }
    void setLogFile(const QString &path);

    // Starts on `port` in front of `nodePorts`, reached at `serverPorts` when
    // given (their link-fault proxies); ready() or failed() follows.
    void start(LbPolicy policy, quint16 port, const QList<quint16> &nodePorts,
        const QList<quint16> &serverPorts = {});
    void stop();
    void kill();

    // Runtime-API changes (the three below) run one after the other, in the
    // order asked: a server deleted while its add is under way goes after it.
    // A change still waiting when HAProxy ends gets its `done` with why.

    // Puts the server of the node on `nodePort` into `state`; `done` gets
    // ok when HAProxy did it, otherwise why not.
    using AdminDone = std::function<void(const Result<void> &outcome)>;
    void setServerAdmin(quint16 nodePort, LbServerAdmin state, AdminDone done);
    // A node that joined the running farm: a server added through the runtime
    // API (reached at `address`, checked like the others), in rotation once its
    // check passes.
    void addServer(quint16 nodePort, quint16 address, AdminDone done);
    // A node that left: its server put in maintenance and deleted.
    void deleteServer(quint16 nodePort, AdminDone done);
    // Whether HAProxy has, or is being given, a server for the node on `nodePort`.
    bool hasServer(quint16 nodePort) const;
    // Any runtime-API command (for tests and tools).
    void runtimeCommand(const QString &command, HaproxyRuntime::Done done);

Q_SIGNALS:
    void ready();
    void failed(const QString &error);
    // servers() changed (status or sessions of a node).
    void serversChanged();

private:
    void onStateChanged();
    bool prepareRun();
    void poll();
    // One batch: its commands one after the other, stopping at the first
    // HAProxy refuses. Queued behind the batches asked before it.
    void runCommands(QStringList commands, AdminDone done);
    void runBatchStep();
    void finishBatch(const Result<void> &outcome);
    void failBatches(const QString &why);
    QString describeFailure(const QString &what) const;

    std::unique_ptr<ManagedProcess> m_process;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<HaproxyRuntime> m_runtime;
    HaproxyConfig m_config;
    QList<LbServerStatus> m_servers;
    struct AdminBatch
    {
        QStringList commands;
        AdminDone done;
    };
    std::deque<AdminBatch> m_batches; // the front one runs
    QList<quint16> m_addsUnderWay; // node ports
    QTimer m_pollTimer;
    QTimer m_deadline;
    QString m_lastPollError;
    int m_readyTimeoutMs = 10000;
    int m_pollIntervalMs = 1000;
    bool m_inFlight = false;
};

} // namespace farmchat
