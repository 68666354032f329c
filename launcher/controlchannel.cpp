#include "launcher/controlchannel_p.h"

#include "launcher/consolereporter_p.h"
#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"
#include "launcher/managedprocess.h"
#include "launcher/redisclustergroup.h"
#include "launcher/redisinstance.h"
#include "platform/stdinlines.h"

#include <QJsonArray>
#include <QTimer>

namespace farmchat {

ControlChannel::Op ControlChannel::nodeOp(const char *name, ProcessAction action)
{
    return {{QLatin1StringView(name), ControlArg::Node, ControlNeed::Running},
        [action](ControlChannel &c, const QJsonValue &id, const ControlCommand &command) {
            c.runProcessOp(id, c.m_farm.processIndexOfNode(command.node), action);
        }};
}

ControlChannel::Op ControlChannel::redisOp(const char *name, ProcessAction action)
{
    return {
        {QLatin1StringView(name), ControlArg::None, ControlNeed::Running | ControlNeed::OwnRedis},
        [action](ControlChannel &c, const QJsonValue &id, const ControlCommand &) {
            c.runProcessOp(id, c.redisProcessIndex(), action);
        }};
}

ControlChannel::Op ControlChannel::shardOp(const char *name, ProcessAction action)
{
    return {
        {QLatin1StringView(name), ControlArg::Shard, ControlNeed::Running | ControlNeed::Cluster},
        [action](ControlChannel &c, const QJsonValue &id, const ControlCommand &command) {
            c.runProcessOp(
                id, c.m_farm.processIndexOfShard(command.shard, command.replica), action);
        }};
}

const std::vector<ControlChannel::Op> &ControlChannel::ops()
{
    using namespace ControlArg;
    using namespace ControlNeed;
    using Action = ProcessAction;
    static const std::vector<Op> table {
        {{QStringLiteral("status"), None, Nothing},
            [](ControlChannel &c, const QJsonValue &id, const ControlCommand &) {
                c.reply(id, c.status());
            }},
        {{QStringLiteral("stop"), None, Nothing},
            [](ControlChannel &c, const QJsonValue &id, const ControlCommand &) {
                c.reply(id, {});
                Q_EMIT c.stopRequested();
            }},
        nodeOp("kill-node", Action::Kill),
        nodeOp("stop-node", Action::Stop),
        nodeOp("restart-node", Action::Restart),
        nodeOp("pause-node", Action::Pause),
        nodeOp("resume-node", Action::Resume),
        redisOp("kill-redis", Action::Kill),
        redisOp("stop-redis", Action::Stop),
        redisOp("restart-redis", Action::Restart),
        redisOp("pause-redis", Action::Pause),
        redisOp("resume-redis", Action::Resume),
        shardOp("kill-shard", Action::Kill),
        shardOp("stop-shard", Action::Stop),
        shardOp("restart-shard", Action::Restart),
        shardOp("pause-shard", Action::Pause),
        shardOp("resume-shard", Action::Resume),
        {{QStringLiteral("set-backplane"), Mode, Running},
            [](ControlChannel &c, const QJsonValue &id, const ControlCommand &command) {
                c.runBackplane(id, -1, command.mode);
            }},
        {{QStringLiteral("set-node-backplane"), Node | Mode, Running},
            [](ControlChannel &c, const QJsonValue &id, const ControlCommand &command) {
                c.runBackplane(id, command.node, command.mode);
            }},
        {{QStringLiteral("cut-off-node"), Node, Running | LinkFaults},
            [](ControlChannel &c, const QJsonValue &id, const ControlCommand &command) {
                c.runPartition(id, command, true);
            }},
        {{QStringLiteral("rejoin-node"), Node, Running | LinkFaults},
            [](ControlChannel &c, const QJsonValue &id, const ControlCommand &command) {
                c.runPartition(id, command, false);
            }},
        {{QStringLiteral("add-node"), None, Running},
            [](ControlChannel &c, const QJsonValue &id, const ControlCommand &) {
                c.m_pending = Pending {Pending::Kind::NodeAdd, id};
                c.m_farm.addNode(); // nodeAddFinished() replies
            }},
        {{QStringLiteral("remove-node"), Node, Running},
            [](ControlChannel &c, const QJsonValue &id, const ControlCommand &command) {
                c.m_pending = Pending {Pending::Kind::NodeRemove, id};
                c.m_pending->node = command.node;
                c.m_farm.removeNode(command.node); // nodeRemoveFinished() replies
            }},
        {{QStringLiteral("set-lb-admin"), Node | LbAdmin, Running | Balancer},
            [](ControlChannel &c, const QJsonValue &id, const ControlCommand &command) {
                c.runLbAdmin(id, command);
            }},
        {{QStringLiteral("set-link-fault"), Node | Link | Fault, Running | LinkFaults},
            [](ControlChannel &c, const QJsonValue &id, const ControlCommand &command) {
                c.runLinkOp(
                    id, command, c.m_farm.setLinkFault(command.node, command.link, command.fault));
            }},
        {{QStringLiteral("heal-link"), Node | Link, Running | LinkFaults},
            [](ControlChannel &c, const QJsonValue &id, const ControlCommand &command) {
                c.runLinkOp(
                    id, command, c.m_farm.setLinkFault(command.node, command.link, LinkFault {}));
            }},
        {{QStringLiteral("reset-link"), Node | Link, Running | LinkFaults},
            [](ControlChannel &c, const QJsonValue &id, const ControlCommand &command) {
                c.runLinkOp(id, command, c.m_farm.resetLink(command.node, command.link));
            }},
    };
    return table;
}

QList<ControlOpSpec> ControlChannel::opSpecs()
{
    QList<ControlOpSpec> specs;
    for (const Op &op : ops())
        specs << op.spec;
    return specs;
}

ControlChannel::ControlChannel(FarmSupervisor &farm, ConsoleReporter &reporter, QObject *parent)
    : QObject(parent), m_farm(farm), m_reporter(reporter)
{
    connect(&farm, &FarmSupervisor::processChanged, this, &ControlChannel::settleProcessWaits);
    connect(&farm, &FarmSupervisor::started, this, &ControlChannel::pump);
    connect(&farm, &FarmSupervisor::backplaneRequestFinished, this,
        [this](BackplaneMode mode, int node, const Result<void> &switched) {
            if (!m_pending || m_pending->kind != Pending::Kind::Backplane || m_pending->node != node
                || m_pending->mode != mode)
                return;
            const QJsonValue id = settle();
            if (!switched)
                return fail(id, switched.error());
            const QString target
                = node < 0 ? QStringLiteral("all nodes") : m_farm.node(node)->name();
            reply(id, {{"mode", modeName(mode)}, {"target", target}});
        });
    connect(&farm, &FarmSupervisor::lbRequestFinished, this,
        [this](int node, LbServerAdmin admin, const Result<void> &done) {
            if (!m_pending || m_pending->kind != Pending::Kind::Lb || m_pending->node != node
                || m_pending->admin != admin)
                return;
            const QJsonValue id = settle();
            if (!done)
                return fail(id, done.error());
            reply(
                id, {{"process", m_farm.node(node)->name()}, {"admin", lbServerAdminName(admin)}});
        });
    connect(
        &farm, &FarmSupervisor::nodeAddFinished, this, [this](int node, const Result<void> &added) {
            if (!m_pending || m_pending->kind != Pending::Kind::NodeAdd)
                return;
            const QJsonValue id = settle();
            if (!added)
                return fail(id, added.error());
            QJsonObject fields = processFields(m_farm.processIndexOfNode(node));
            fields.insert(QStringLiteral("node"), node);
            reply(id, fields);
        });
    connect(&farm, &FarmSupervisor::nodeRemoveFinished, this,
        [this](int node, const QString &name, const Result<void> &removed) {
            if (!m_pending || m_pending->kind != Pending::Kind::NodeRemove
                || m_pending->node != node)
                return;
            const QJsonValue id = settle();
            if (!removed)
                return fail(id, removed.error());
            reply(id, {{"process", name}, {"nodes", m_farm.nodeCount()}});
        });
    connect(&farm, &FarmSupervisor::stopped, this, [this] {
        // Nothing they wait for can happen any more.
        if (m_pending)
            fail(std::exchange(m_pending, std::nullopt)->id,
                QStringLiteral("the farm stopped before this command finished"));
        pump(); // now, before the launcher exits: every line read gets its reply
    });
}

ControlChannel::~ControlChannel() = default;

void ControlChannel::start()
{
    if (m_stdin)
        return;
    m_stdin = std::make_unique<StdinLines>();
    connect(m_stdin.get(), &StdinLines::lineRead, this, &ControlChannel::handleLine);
    connect(m_stdin.get(), &StdinLines::lineTooLong, this, [this](qint64 bytes) {
        enqueue({{}, bytes});
    });
    connect(m_stdin.get(), &StdinLines::endOfInput, this, [this] {
        m_inputEnded = true;
        pump();
    });
    m_stdin->start();
}

void ControlChannel::handleLine(const QByteArray &line)
{
    if (!line.trimmed().isEmpty())
        enqueue({line, -1});
}

void ControlChannel::enqueue(Line line)
{
    if (m_queuedBytes + line.text.size() > kMaxWaitingBytes)
        return fail(QJsonValue::Null,
            QStringLiteral("%1 bytes of commands already wait; this line was skipped")
                .arg(m_queuedBytes));
    m_queuedBytes += line.text.size();
    m_queue.push_back(std::move(line));
    pump();
}

void ControlChannel::pump()
{
    // One command at a time, in order: the next starts once the last replied,
    // and none while the farm starts (a script need not wait for it).
    while (!m_pending && !m_queue.empty() && m_farm.state() != FarmState::Starting) {
        const Line line = m_queue.front();
        m_queue.pop_front();
        m_queuedBytes -= line.text.size();
        if (line.overlong >= 0)
            fail(QJsonValue::Null,
                QStringLiteral("line of %1 bytes is over the %2-byte limit; it was skipped")
                    .arg(line.overlong)
                    .arg(StdinLines::kMaxLineBytes));
        else
            run(line.text);
    }
    if (m_inputEnded && !m_endNoted && !m_pending && m_queue.empty()) {
        m_endNoted = true; // after the last command's reply
        m_reporter.note(QStringLiteral(
            "control channel: end of input; the farm keeps running (Ctrl-C or SIGTERM stops it)"));
    }
}

void ControlChannel::run(const QByteArray &line)
{
    ControlFarmView view;
    view.state = m_farm.state();
    for (int i = 0; i < m_farm.nodeCount(); ++i)
        view.nodePorts << m_farm.node(i)->port();
    view.ownRedis = m_farm.redis() != nullptr;
    view.balancer = m_farm.loadBalancer() != nullptr;
    view.linkFaults = m_farm.links() != nullptr;
    if (const RedisClusterGroup *cluster = m_farm.cluster()) {
        view.shards = cluster->shardCount();
        view.shardReplicas = cluster->replicasPerShard() > 0;
    }
    const ControlRequest request = parseControlLine(line, opSpecs(), view);
    if (!request.command)
        return fail(request.id, request.command.error());
    ops()[size_t(request.command->op)].run(*this, request.id, request.command.value());
}

int ControlChannel::redisProcessIndex() const
{
    return m_farm.redis() ? m_farm.indexOf(m_farm.redis()->process()) : -1;
}

Result<void> ControlChannel::call(const std::function<void()> &action)
{
    QString failure;
    const QMetaObject::Connection watch
        = connect(&m_farm, &FarmSupervisor::error, this, [&failure](const QString &text) {
              if (failure.isEmpty())
                  failure = text;
          });
    action();
    disconnect(watch);
    return failure.isEmpty() ? Result<void>() : Result<void>::failure(failure);
}

void ControlChannel::runProcessOp(const QJsonValue &id, int processIndex, ProcessAction action)
{
    const ManagedProcess *process = m_farm.process(processIndex);
    if (!process)
        return fail(id, QStringLiteral("there is no process %1").arg(processIndex));
    const int node = m_farm.nodeIndexOfProcess(processIndex);
    const bool ending = action == ProcessAction::Kill || action == ProcessAction::Stop;
    if (ending && !isLive(process->state()))
        return fail(id,
            QStringLiteral("%1 is not running (%2)")
                .arg(process->name(), processStateName(process->state())));
    const int startCount = process->startCount();
    const Result<void> done = call([this, processIndex, node, action] {
        switch (action) {
        case ProcessAction::Kill:
            return m_farm.killProcess(processIndex);
        case ProcessAction::Stop:
            m_farm.setProcessPaused(processIndex, false); // a paused child cannot stop politely
            if (node >= 0)
                return m_farm.stopNode(node);
            if (processIndex == redisProcessIndex())
                return m_farm.stopRedis();
            return m_farm.stopProcessAt(processIndex);
        case ProcessAction::Restart:
            return m_farm.restartProcessAt(processIndex);
        case ProcessAction::Pause:
        case ProcessAction::Resume:
            return m_farm.setProcessPaused(processIndex, action == ProcessAction::Pause);
        }
    });
    if (!done)
        return fail(id, done.error());
    if (action == ProcessAction::Pause || action == ProcessAction::Resume)
        return reply(id, processFields(processIndex));
    m_pending = Pending {ending ? Pending::Kind::ProcessEnd : Pending::Kind::ProcessBack, id};
    m_pending->processIndex = processIndex;
    m_pending->startCount = startCount;
    settleProcessWaits(processIndex); // it may be there already
}

void ControlChannel::settleProcessWaits(int processIndex)
{
    const ManagedProcess *process = m_farm.process(processIndex);
    if (!process || !m_pending || m_pending->processIndex != processIndex)
        return;
    const ProcessState state = process->state();
    std::optional<Result<void>> outcome;
    if (m_pending->kind == Pending::Kind::ProcessEnd && !isLive(state))
        outcome = Result<void>();
    // A restart first stops the old run: only the new run's end or health counts.
    if (m_pending->kind == Pending::Kind::ProcessBack
        && process->startCount() > m_pending->startCount) {
        if (state == ProcessState::Healthy)
            outcome = Result<void>();
        else if (!isLive(state))
            outcome = Result<void>::failure(
                QStringLiteral("%1 did not come back: %2 (%3)")
                    .arg(process->name(), processStateName(state), process->exitReason()));
    }
    if (!outcome)
        return;
    const QJsonValue id = settle();
    if (*outcome)
        reply(id, processFields(processIndex));
    else
        fail(id, outcome->error());
}

QJsonValue ControlChannel::settle()
{
    const QJsonValue id = m_pending->id;
    m_pending.reset();
    // Not from inside the farm's signal that settled it: the next command may call the farm.
    QTimer::singleShot(0, this, &ControlChannel::pump);
    return id;
}

void ControlChannel::runBackplane(const QJsonValue &id, int node, BackplaneMode mode)
{
    m_pending = Pending {Pending::Kind::Backplane, id};
    m_pending->node = node;
    m_pending->mode = mode;
    const Result<void> done = call([this, node, mode] {
        if (node < 0)
            m_farm.setBackplane(mode);
        else
            m_farm.setNodeBackplane(node, mode);
    });
    if (!done) {
        m_pending.reset(); // nothing was sent: no backplaneRequestFinished() comes
        fail(id, done.error());
    }
}

void ControlChannel::runLbAdmin(const QJsonValue &id, const ControlCommand &command)
{
    m_pending = Pending {Pending::Kind::Lb, id};
    m_pending->node = command.node;
    m_pending->admin = command.admin;
    const Result<void> done
        = call([this, command] { m_farm.setNodeLbAdmin(command.node, command.admin); });
    if (!done) {
        m_pending.reset();
        fail(id, done.error());
    }
}

void ControlChannel::runPartition(const QJsonValue &id, ControlCommand command, bool partitioned)
{
    // The node's Redis link, its other faults kept: a real partition of that node.
    command.link = NodeLink::Redis;
    LinkFault fault = m_farm.links()->fault(command.node, NodeLink::Redis);
    fault.partitioned = partitioned;
    runLinkOp(id, command, m_farm.setLinkFault(command.node, NodeLink::Redis, fault));
}

void ControlChannel::runLinkOp(
    const QJsonValue &id, const ControlCommand &command, const Result<void> &done)
{
    if (!done)
        return fail(id, done.error());
    reply(id,
        {{"process", m_farm.node(command.node)->name()}, {"link", nodeLinkName(command.link)},
            {"fault", m_farm.links()->fault(command.node, command.link).toJson()}});
}

QJsonObject ControlChannel::processFields(int processIndex) const
{
    return describe(*m_farm.process(processIndex), m_farm.isProcessPaused(processIndex));
}

QJsonObject ControlChannel::describe(const ManagedProcess &process, bool paused)
{
    QJsonObject fields {{"process", process.name()}, {"port", process.port()},
        {"state", processStateName(process.state())}, {"pid", process.pid()}, {"paused", paused}};
    if (!isLive(process.state()) && !process.exitReason().isEmpty())
        fields.insert(QStringLiteral("reason"), process.exitReason());
    return fields;
}

QJsonObject ControlChannel::status() const
{
    QJsonArray nodes;
    for (int i = 0; i < m_farm.nodeCount(); ++i) {
        const FarmNode *node = m_farm.node(i);
        QJsonObject fields = processFields(m_farm.processIndexOfNode(i));
        fields.insert(QStringLiteral("node"), i);
        fields.insert(QStringLiteral("backplane"), modeName(m_farm.nodeBackplane(i)));
        fields.insert(QStringLiteral("health"), node->health().toJson());
        if (const FarmLinks *links = m_farm.links()) {
            QJsonObject faults;
            for (const NodeLink link : {NodeLink::Redis, NodeLink::Balancer}) {
                if (links->has(i, link))
                    faults.insert(nodeLinkName(link), links->fault(i, link).toJson());
            }
            fields.insert(QStringLiteral("links"), faults);
        }
        nodes.append(fields);
    }
    const int redis = redisProcessIndex();
    QJsonValue lb = QJsonValue::Null;
    if (const HaproxyInstance *instance = m_farm.loadBalancer()) {
        QJsonObject fields = describe(*instance->process(), false);
        fields.insert(QStringLiteral("url"), instance->url().toString());
        lb = fields;
    }
    QJsonObject fields {{"state", farmStateName(m_farm.state())},
        {"backplane", modeName(m_farm.backplane())}, {"nodes", nodes},
        {"redis", redis >= 0 ? QJsonValue(processFields(redis)) : QJsonValue()}, {"lb", lb}};
    if (const RedisClusterGroup *cluster = m_farm.cluster()) {
        QJsonArray shards;
        for (int shard = 0; shard < cluster->shardCount(); ++shard) {
            QJsonObject entry {{"shard", shard},
                {"primary", processFields(m_farm.processIndexOfShard(shard, false))}};
            if (cluster->replicasPerShard() > 0)
                entry.insert(QStringLiteral("replica"),
                    processFields(m_farm.processIndexOfShard(shard, true)));
            shards.append(entry);
        }
        fields.insert(QStringLiteral("shards"), shards);
    }
    return fields;
}

void ControlChannel::reply(const QJsonValue &id, QJsonObject fields)
{
    fields.insert(QStringLiteral("id"), id);
    fields.insert(QStringLiteral("ok"), true);
    emitReply(std::move(fields));
}

void ControlChannel::fail(const QJsonValue &id, const QString &error)
{
    emitReply({{"id", id}, {"ok", false}, {"error", error}});
}

void ControlChannel::emitReply(QJsonObject reply)
{
    if (m_replyHandler)
        m_replyHandler(reply);
    else
        m_reporter.machineEvent(QStringLiteral("reply"), std::move(reply));
}

} // namespace farmchat
