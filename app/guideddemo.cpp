#include "app/guideddemo.h"

namespace farmchat {

namespace {

constexpr int kBetweenStepsMs = 150;

DemoStep say(const QString &text)
{
    return {DemoStep::Kind::Say, text, 0, BackplaneMode::Off, 0};
}
DemoStep sendFrom(int pane, const QString &text)
{
    return {DemoStep::Kind::Send, text, pane, BackplaneMode::Off, 0};
}
DemoStep switchTo(BackplaneMode mode)
{
    return {DemoStep::Kind::SwitchMode, {}, 0, mode, 0};
}
DemoStep pause(int ms)
{
    return {DemoStep::Kind::Pause, {}, 0, BackplaneMode::Off, ms};
}
DemoStep balancer(int node, LbServerAdmin admin)
{
    return {DemoStep::Kind::Balancer, {}, 0, BackplaneMode::Off, 0, node, admin};
}

// The load balancer's story: where the panes landed, a node taken out of
// the farm (its panes move and catch up), and the sticky-session rule.
void appendBalancerChapter(
    QList<DemoStep> &steps, int panes, LbPolicy policy, const std::function<int(int)> &ms)
{
    const int last = panes - 1;
    steps << say(
        QStringLiteral("Guided demo 4/4: the LOAD BALANCER. Every pane connects to HAProxy (%1), "
                       "never to a node; each pane's header names the node it landed on.")
            .arg(lbPolicyName(policy)))
          << pause(ms(3000)) << sendFrom(0, QStringLiteral("Hello through the load balancer."))
          << pause(ms(1200));
    steps << say(QStringLiteral(
        "MAINT on the first node through HAProxy's runtime API: its panes are cut off and "
        "reconnect through the balancer to another node, then catch up from History (↺)."))
          << balancer(0, LbServerAdmin::Maint) << pause(ms(4000))
          << sendFrom(last, QStringLiteral("Still chatting while a node is out of the farm."))
          << pause(ms(1500));
    steps << say(QStringLiteral(
        "READY again: the first node takes new clients. Drain would keep its clients and "
        "take no new ones (Faults dock, per node)."))
          << balancer(0, LbServerAdmin::Ready) << pause(ms(2500));
    steps << say(QStringLiteral(
        "Sticky sessions: a SignalR client negotiates, then opens the WebSocket. With "
        "round-robin the two can reach different nodes and the connect fails; sticky "
        "(a cookie) or Skip negotiation (one request) fixes it. Try them in the farm bar."))
          << pause(ms(4000));
}

} // namespace

GuidedDemo::GuidedDemo(Hooks hooks, QObject *parent) : QObject(parent), m_hooks(std::move(hooks))
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &GuidedDemo::runNext);
}

QList<DemoStep> GuidedDemo::script(int panes, double pace, LbPolicy balancerPolicy)
{
    panes = qMax(1, panes);
    const std::function<int(int)> ms = [pace](int base) { return qMax(0, int(base * pace)); };
    const int last = panes - 1;
    const int chapters = balancerPolicy == LbPolicy::None ? 3 : 4;
    QList<DemoStep> steps;
    steps << say(
        QStringLiteral("Guided demo 1/%1: backplane OFF. Each node only tells its own clients.")
            .arg(chapters))
          << switchTo(BackplaneMode::Off) << pause(ms(1200))
          << sendFrom(0, QStringLiteral("Hi all, I'm on the first node."));
    steps << pause(ms(900))
          << sendFrom(last, QStringLiteral("Hello? Can anyone on another node hear me?"))
          << pause(ms(900));
    steps << say(
        QStringLiteral("Backplane OFF: each message stayed on its node. The matrix marks the "
                       "other panes ✕ missing — a load-balanced farm breaks chat."))
          << pause(ms(3500));
    steps << say(QStringLiteral(
        "Guided demo 2/%1: switching to Redis PUB/SUB, live, without dropping anyone.")
                     .arg(chapters))
          << switchTo(BackplaneMode::PubSub) << pause(ms(1200))
          << sendFrom(0, QStringLiteral("Trying again, now over the Redis backplane."));
    steps << pause(ms(900))
          << sendFrom(last, QStringLiteral("Got it! Every node relays through Redis now."))
          << pause(ms(900));
    steps << say(QStringLiteral("PUB/SUB: every message crossed to every node (✓ in every column). "
                                "While Redis is down, though, pub/sub loses messages."))
          << pause(ms(3500));
    steps << say(
        QStringLiteral("Guided demo 3/%1: Redis STREAMS: one order per room, and nothing lost "
                       "while Redis is briefly away.")
            .arg(chapters))
          << switchTo(BackplaneMode::Streams) << pause(ms(1200))
          << sendFrom(0, QStringLiteral("Streams: same chat, ordered and replayable."));
    steps << pause(ms(900))
          << sendFrom(last, QStringLiteral("Try Faults → Stop Redis, send, then restart it."))
          << pause(ms(1500));
    if (balancerPolicy != LbPolicy::None)
        appendBalancerChapter(steps, panes, balancerPolicy, ms);
    steps << say(
        QStringLiteral("Demo done. Switch modes, kill nodes or Redis in the Faults dock and "
                       "watch the panes and the matrix react."));
    return steps;
}

void GuidedDemo::start(const QList<DemoStep> &steps)
{
    cancel();
    ++m_run;
    m_steps = steps;
    m_next = 0;
    m_running = true;
    m_timer.start(0);
}

void GuidedDemo::cancel()
{
    if (!m_running)
        return;
    fail(QStringLiteral("the guided demo was cancelled"));
}

void GuidedDemo::fail(const QString &error)
{
    finish(Result<void>::failure(error));
}

void GuidedDemo::finish(const Result<void> &outcome)
{
    ++m_run;
    m_timer.stop();
    m_running = false;
    Q_EMIT finished(outcome);
}

void GuidedDemo::runNext()
{
    if (!m_running)
        return;
    if (m_next >= m_steps.size())
        return finish({});
    const DemoStep step = m_steps[m_next++];
    Q_EMIT stepStarted(m_next - 1, int(m_steps.size()));
    switch (step.kind) {
    case DemoStep::Kind::Say:
        Q_EMIT narration(step.text);
        m_timer.start(kBetweenStepsMs);
        return;
    case DemoStep::Kind::Send:
        if (m_hooks.send)
            m_hooks.send(step.pane, step.text);
        m_timer.start(kBetweenStepsMs);
        return;
    case DemoStep::Kind::Pause:
        m_timer.start(step.pauseMs);
        return;
    case DemoStep::Kind::Balancer: {
        if (!m_hooks.setBalancer) {
            m_timer.start(0);
            return;
        }
        const quint64 run = m_run;
        m_hooks.setBalancer(step.node, step.admin, [this, run, step](const Result<void> &done) {
            if (run != m_run)
                return; // cancelled or restarted meanwhile
            if (!done)
                return fail(QStringLiteral("%1 on node %2 failed: %3")
                                .arg(lbServerAdminName(step.admin))
                                .arg(step.node + 1)
                                .arg(done.error()));
            m_timer.start(kBetweenStepsMs);
        });
        return;
    }
    case DemoStep::Kind::SwitchMode: {
        if (!m_hooks.switchMode) {
            m_timer.start(0);
            return;
        }
        const quint64 run = m_run;
        m_hooks.switchMode(step.mode, [this, run, mode = step.mode](const Result<void> &switched) {
            if (run != m_run)
                return; // cancelled or restarted meanwhile
            if (!switched)
                return fail(QStringLiteral("switching to %1 failed: %2")
                                .arg(modeName(mode), switched.error()));
            m_timer.start(kBetweenStepsMs);
        });
        return;
    }
    }
}

} // namespace farmchat
