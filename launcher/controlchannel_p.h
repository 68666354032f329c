#pragma once

#include "core/result.h"
#include "launcher/controlcommand_p.h"
#include "launcher/processaction.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QObject>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace farmchat {

class ConsoleReporter;
class FarmSupervisor;
class ManagedProcess;
class StdinLines;

// farmchat-launcher --control stdin: commands a script writes to the
// launcher's stdin, one JSON object per line, run on the live farm (the
// Faults dock's actions), each answered by exactly one "reply" line on stdout
// (docs/LAUNCHER.md, "Control channel"). Commands run one at a time, in
// order; ops that take time (a kill, a restart, a backplane switch, a
// balancer change) reply when it is done, and the next line waits till then.
// Owned by LauncherCli; the end of stdin leaves the farm running.
class ControlChannel : public QObject
{
    Q_OBJECT
public:
    ControlChannel(FarmSupervisor &farm, ConsoleReporter &reporter, QObject *parent = nullptr);
    ~ControlChannel() override;

    // Starts reading stdin.
    void start();
    // Lines wait while a command runs or the farm starts; past this many
    // bytes of them, a line is refused at once.
    static constexpr qsizetype kMaxWaitingBytes = 1024 * 1024;

    // Takes one line as read from stdin (blank lines are skipped): it runs
    // once every earlier command has replied.
    void handleLine(const QByteArray &line);
    // What each op takes and needs, in table order (the parser's view of the table).
    static QList<ControlOpSpec> opSpecs();
    // Replies go to `handler` instead of stdout (a scenario run drives the
    // farm through this channel and reads its replies).
    using ReplyHandler = std::function<void(const QJsonObject &reply)>;
    void setReplyHandler(ReplyHandler handler) { m_replyHandler = std::move(handler); }

Q_SIGNALS:
    // {"op": "stop"} was answered: the launcher stops the farm and exits 0.
    void stopRequested();

private:
    using ProcessAction = farmchat::ProcessAction;
    using Run = std::function<void(ControlChannel &, const QJsonValue &, const ControlCommand &)>;
    struct Op
    {
        ControlOpSpec spec;
        Run run;
    };
    // The ops, one entry each: name, arguments, needs, what it does.
    static const std::vector<Op> &ops();
    static Op nodeOp(const char *name, ProcessAction action);
    static Op redisOp(const char *name, ProcessAction action);
    static Op shardOp(const char *name, ProcessAction action);

    // A reply that waits for the farm: a process to end or come back, a
    // backplane switch or a balancer change to finish.
    struct Pending
    {
        enum class Kind { ProcessEnd, ProcessBack, Backplane, Lb, NodeAdd, NodeRemove };
        Kind kind;
        QJsonValue id;
        int processIndex = -1; // ProcessEnd, ProcessBack
        int startCount = 0; // ProcessBack: the run it waits for starts after this count
        int node = -1; // Backplane (-1: the whole farm), Lb, NodeRemove
        BackplaneMode mode = BackplaneMode::Off;
        LbServerAdmin admin = LbServerAdmin::Ready;
    };
    struct Line
    {
        QByteArray text;
        qint64 overlong = -1; // a line of this many bytes was skipped unread
    };

    void enqueue(Line line);
    void pump();
    void run(const QByteArray &line);
    // The waiting command is answered: its id; the next line runs soon after.
    QJsonValue settle();
    QJsonObject status() const;
    QJsonObject processFields(int processIndex) const;
    static QJsonObject describe(const ManagedProcess &process, bool paused);
    int redisProcessIndex() const;
    void runProcessOp(const QJsonValue &id, int processIndex, ProcessAction action);
    void runBackplane(const QJsonValue &id, int node, BackplaneMode mode);
    void runLbAdmin(const QJsonValue &id, const ControlCommand &command);
    // cut-off-node / rejoin-node: the node's Redis link partitioned or healed.
    void runPartition(const QJsonValue &id, ControlCommand command, bool partitioned);
    // A link op already done (FarmSupervisor's link calls are immediate): its reply.
    void runLinkOp(const QJsonValue &id, const ControlCommand &command, const Result<void> &done);
    // Runs a supervisor call; a failure is the error() it emitted meanwhile.
    Result<void> call(const std::function<void()> &action);
    void settleProcessWaits(int processIndex);
    void reply(const QJsonValue &id, QJsonObject fields);
    void fail(const QJsonValue &id, const QString &error);
    void emitReply(QJsonObject reply);

    FarmSupervisor &m_farm;
    ConsoleReporter &m_reporter;
    std::unique_ptr<StdinLines> m_stdin;
    std::optional<Pending> m_pending; // the running command, while it waits
    std::deque<Line> m_queue; // lines read meanwhile
    qsizetype m_queuedBytes = 0;
    bool m_inputEnded = false;
    bool m_endNoted = false;
    ReplyHandler m_replyHandler;
};

} // namespace farmchat
