#include "app/guideddemo.h"

namespace farmchat {

namespace {

constexpr int kBetweenActionsMs = 150;
constexpr int kPollMs = 100;

using Kind = DemoAction::Kind;
using Until = DemoAction::Until;

DemoAction sendFrom(int pane, const QString &text)
{
    DemoAction a;
    a.kind = Kind::Send;
    a.pane = pane;
    a.text = text;
    return a;
}
DemoAction switchTo(BackplaneMode mode)
{
    DemoAction a;
    a.kind = Kind::SwitchMode;
    a.mode = mode;
    return a;
}
DemoAction pause(int ms)
{
    DemoAction a;
    a.kind = Kind::Pause;
    a.ms = ms;
    return a;
}
DemoAction waitUntil(Until until, int timeoutMs)
{
    DemoAction a;
    a.kind = Kind::Wait;
    a.until = until;
    a.ms = timeoutMs;
    return a;
}
DemoAction redis(bool up)
{
    DemoAction a;
    a.kind = Kind::Redis;
    a.up = up;
    return a;
}
DemoAction balancer(int node, LbServerAdmin admin)
{
    DemoAction a;
    a.kind = Kind::Balancer;
    a.node = node;
    a.admin = admin;
    return a;
}
DemoAction simple(Kind kind)
{
    DemoAction a;
    a.kind = kind;
    return a;
}

QString untilText(Until until)
{
    switch (until) {
    case Until::PanesConnected:
        return QStringLiteral("the panes to connect");
    case Until::RedisDown:
        return QStringLiteral("the nodes to notice Redis is gone");
    case Until::RedisBack:
        return QStringLiteral("Redis and every node's link to it");
    case Until::Settled:
        return QStringLiteral("every message to settle");
    }
    return {};
}

// The lesson: Redis killed while the farm runs pub/sub and a line sent
// before it is back, then the same in streams, and the verdict on both. The
// switch to streams happens with Redis up, so its readers are in place
// before the outage.
DemoStep lessonStep(int last, const std::function<int(int)> &ms)
{
    DemoStep s {QStringLiteral("The lesson: Redis goes down"),
        QStringLiteral(
            "Redis is killed twice, once in pub/sub and once in streams, and each time a line "
            "is sent before it comes back. Pub/sub delivers it only on the sender's own node "
            "and warns the sender (⚠): a counted loss. Streams queues it (◷) and sends it when "
            "Redis is back: late, but every pane gets it. The verdict below judges each mode by "
            "its own promise."),
        {}};
    const auto outage = [&](int pane, const QString &text) {
        s.actions << redis(false) << waitUntil(Until::RedisDown, 10000) << pause(ms(800))
                  << sendFrom(pane, text) << pause(ms(2500)) << redis(true)
                  << waitUntil(Until::RedisBack, 20000);
    };
    s.actions << simple(Kind::ClearMatrix) << switchTo(BackplaneMode::PubSub);
    outage(0, QStringLiteral("Pub/sub while Redis is down: who gets this?"));
    s.actions << switchTo(BackplaneMode::Streams) << pause(ms(1000));
    outage(last, QStringLiteral("Streams while Redis is down: queued, not lost."));
    s.actions << waitUntil(Until::Settled, 20000) << simple(Kind::Verdict);
    return s;
}

// The load balancer's story: a node taken out of the farm (its panes move
// and catch up) and back, and the sticky-session rule.
DemoStep balancerStep(int last, LbPolicy policy, const std::function<int(int)> &ms)
{
    DemoStep s {QStringLiteral("Behind the load balancer"),
        QStringLiteral("Every pane connects to HAProxy (%1), never to a node; each pane's header "
                       "names the node it landed on. The first node goes into maintenance "
                       "through HAProxy's runtime API: its panes reconnect to another node and "
                       "catch up from History (↺), then it takes clients again. Round-robin "
                       "needs sticky sessions or Skip negotiation (farm bar).")
            .arg(lbPolicyName(policy)),
        {}};
    s.actions << sendFrom(0, QStringLiteral("Hello through the load balancer.")) << pause(ms(1200))
              << balancer(0, LbServerAdmin::Maint) << pause(ms(4000))
              << sendFrom(last, QStringLiteral("Still chatting while a node is out of the farm."))
              << pause(ms(1500)) << balancer(0, LbServerAdmin::Ready) << pause(ms(1500));
    return s;
}

} // namespace

GuidedDemo::GuidedDemo(Hooks hooks, QObject *parent) : QObject(parent), m_hooks(std::move(hooks))
{
    m_actionTimer.setSingleShot(true);
    m_readingTimer.setSingleShot(true);
    connect(&m_actionTimer, &QTimer::timeout, this, &GuidedDemo::runNextAction);
    connect(&m_readingTimer, &QTimer::timeout, this, &GuidedDemo::next);
}

QList<DemoStep> GuidedDemo::script(
    int panes, double pace, LbPolicy balancerPolicy, bool lesson, NodeKind kind)
{
    panes = qMax(1, panes);
    const std::function<int(int)> ms = [pace](int base) { return qMax(0, int(base * pace)); };
    const int last = panes - 1;
    // Nodes that switch by restarting drop their panes: wait until they are back.
    const bool restarts = nodeKindSwitchesByRestart(kind);
    const auto switchAndSettle = [&](BackplaneMode mode) {
        QList<DemoAction> actions {switchTo(mode)};
        if (restarts)
            actions << waitUntil(Until::PanesConnected, 30000);
        return actions << pause(ms(600));
    };
    QList<DemoStep> steps;
    steps << DemoStep {QStringLiteral("Backplane off: messages stay on their node"),
        QStringLiteral("Each pane is a client of a different chat node, like users a load "
                       "balancer sent to different servers. With the backplane off a node only "
                       "tells its own clients: the first and the last pane send a line, and the "
                       "delivery matrix marks every other pane ✕ — the chat is broken."),
        QList<DemoAction> {simple(Kind::ClearMatrix), waitUntil(Until::PanesConnected, 15000)}
            + switchAndSettle(BackplaneMode::Off)
            + QList<DemoAction> {sendFrom(0, QStringLiteral("Hi all, I'm on the first node.")),
                pause(ms(900)),
                sendFrom(last, QStringLiteral("Hello? Can anyone on another node hear me?")),
                waitUntil(Until::Settled, 10000)}};
    steps << DemoStep {QStringLiteral("Redis pub/sub: messages cross"),
        restarts
            ? QStringLiteral("The nodes restart with the Redis backplane on (ASP.NET Core cannot "
                             "switch live, so the panes reconnect). Every node publishes what its "
                             "clients send and relays what the others publish, so each line "
                             "reaches every pane (✓ in every column). Pub/sub delivers at most "
                             "once: what is sent while Redis is down is lost.")
            : QStringLiteral("The backplane switches to Redis PUBLISH/SUBSCRIBE, live: no pane "
                             "disconnects. Every node publishes what its clients send and relays "
                             "what the others publish, so each line reaches every pane (✓ in "
                             "every column). Pub/sub delivers at most once: what is sent while "
                             "Redis is down is lost."),
        switchAndSettle(BackplaneMode::PubSub)
            + QList<DemoAction> {
                sendFrom(0, QStringLiteral("Trying again, now over the Redis backplane.")),
                pause(ms(900)),
                sendFrom(last, QStringLiteral("Got it! Every node relays through Redis now.")),
                waitUntil(Until::Settled, 10000)}};
    // Nodes without streams (ASP.NET Core's backplane is pub/sub) skip its
    // step and the lesson that sets pub/sub against it.
    const bool streams = nodeKindSupports(kind, BackplaneMode::Streams).ok();
    if (streams)
        steps << DemoStep {QStringLiteral("Redis streams: one order, replayable"),
            QStringLiteral("Streams append every line to a Redis stream per room that all nodes "
                           "read: one order for the whole farm, and a node that was away reads "
                           "what it missed. While Redis is down a node queues what its clients "
                           "send and delivers it when Redis is back."),
            {switchTo(BackplaneMode::Streams), pause(ms(600)),
                sendFrom(0, QStringLiteral("Streams: same chat, ordered and replayable.")),
                pause(ms(900)), sendFrom(last, QStringLiteral("And nothing lost if Redis blinks.")),
                waitUntil(Until::Settled, 10000)}};
    if (lesson && streams)
        steps << lessonStep(last, ms);
    if (balancerPolicy != LbPolicy::None)
        steps << balancerStep(last, balancerPolicy, ms);
    steps << DemoStep {QStringLiteral("Your turn"),
        QStringLiteral("Switch modes in the Faults & controls dock or with Ctrl+B, kill nodes or "
                       "Redis there, cut a node off the backplane, and watch the panes, the "
                       "matrix and the topology react. Ctrl+K clears the matrix; F1 explains "
                       "every symbol."),
        {}};
    return steps;
}

void GuidedDemo::start(const QList<DemoStep> &steps)
{
    cancel();
    m_steps = steps;
    m_running = true;
    goTo(0);
}

void GuidedDemo::cancel()
{
    if (!m_running)
        return;
    fail(QStringLiteral("the guided demo was cancelled"));
}

void GuidedDemo::next()
{
    if (!m_running)
        return;
    if (m_current + 1 >= m_steps.size())
        return finish({});
    goTo(m_current + 1);
}

void GuidedDemo::back()
{
    if (m_running && m_current > 0)
        goTo(m_current - 1);
}

void GuidedDemo::setAutoPlay(bool on)
{
    if (m_autoPlay == on)
        return;
    m_autoPlay = on;
    if (!on)
        m_readingTimer.stop();
    else if (m_running && m_actionsDone)
        m_readingTimer.start(m_readingPauseMs);
    Q_EMIT autoPlayChanged(on);
}

void GuidedDemo::fail(const QString &error)
{
    finish(Result<void>::failure(error));
}

void GuidedDemo::finish(const Result<void> &outcome)
{
    ++m_run;
    m_actionTimer.stop();
    m_readingTimer.stop();
    m_running = false;
    Q_EMIT finished(outcome);
}

void GuidedDemo::goTo(int index)
{
    ++m_run; // answers to the previous step's actions are ignored from here on
    m_actionTimer.stop();
    m_readingTimer.stop();
    m_current = index;
    m_nextAction = 0;
    m_actionsDone = false;
    const DemoStep &s = m_steps.at(index);
    Q_EMIT stepStarted(index, int(m_steps.size()), s.title, s.narration);
    m_actionTimer.start(0);
}

int GuidedDemo::betweenActionsMs() const
{
    return int(kBetweenActionsMs * qMin(1.0, m_pace));
}

void GuidedDemo::actionsDone()
{
    m_actionsDone = true;
    Q_EMIT stepActionsFinished(m_current);
    if (m_autoPlay)
        m_readingTimer.start(m_readingPauseMs);
}

void GuidedDemo::runNextAction()
{
    if (!m_running)
        return;
    const QList<DemoAction> &actions = m_steps.at(m_current).actions;
    if (m_nextAction >= actions.size())
        return actionsDone();
    const DemoAction action = actions[m_nextAction++];
    switch (action.kind) {
    case Kind::Send:
        if (m_hooks.send)
            m_hooks.send(action.pane, action.text);
        break;
    case Kind::Pause:
        m_actionTimer.start(action.ms);
        return;
    case Kind::ClearMatrix:
        if (m_hooks.clearMatrix)
            m_hooks.clearMatrix();
        break;
    case Kind::Redis:
        if (m_hooks.redis)
            m_hooks.redis(action.up);
        break;
    case Kind::Verdict:
        if (m_hooks.verdict)
            Q_EMIT verdictReady(m_hooks.verdict());
        break;
    case Kind::Wait:
        if (!m_hooks.reached)
            break;
        return poll(action.until, action.ms);
    case Kind::SwitchMode:
    case Kind::Balancer:
        return runAsync(action);
    }
    m_actionTimer.start(betweenActionsMs());
}

void GuidedDemo::poll(DemoAction::Until until, int remainingMs)
{
    if (m_hooks.reached(until)) {
        m_actionTimer.start(0);
        return;
    }
    if (remainingMs <= 0)
        return fail(QStringLiteral("gave up waiting for %1").arg(untilText(until)));
    const quint64 run = m_run;
    QTimer::singleShot(kPollMs, this, [this, run, until, remainingMs] {
        if (run == m_run)
            poll(until, remainingMs - kPollMs);
    });
}

void GuidedDemo::runAsync(const DemoAction &action)
{
    const quint64 run = m_run;
    const auto answered = [this, run, action](const Result<void> &done) {
        if (run != m_run)
            return; // another step, cancelled or restarted meanwhile
        if (done)
            return m_actionTimer.start(betweenActionsMs());
        if (action.kind == Kind::SwitchMode)
            return fail(QStringLiteral("switching to %1 failed: %2")
                            .arg(modeName(action.mode), done.error()));
        fail(QStringLiteral("%1 on node %2 failed: %3")
                 .arg(lbServerAdminName(action.admin))
                 .arg(action.node + 1)
                 .arg(done.error()));
    };
    if (action.kind == Kind::SwitchMode && m_hooks.switchMode)
        return m_hooks.switchMode(action.mode, answered);
    if (action.kind == Kind::Balancer && m_hooks.setBalancer)
        return m_hooks.setBalancer(action.node, action.admin, answered);
    m_actionTimer.start(0);
}

} // namespace farmchat
