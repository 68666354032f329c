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

} // namespace

GuidedDemo::GuidedDemo(Hooks hooks, QObject *parent) : QObject(parent), m_hooks(std::move(hooks))
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &GuidedDemo::runNext);
}

QList<DemoStep> GuidedDemo::script(int panes, double pace)
{
    panes = qMax(1, panes);
    const auto ms = [pace](int base) { return qMax(0, int(base * pace)); };
    const int last = panes - 1;
    QList<DemoStep> steps;
    steps << say(
        QStringLiteral("Guided demo 1/3: backplane OFF. Each node only tells its own clients."))
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
        "Guided demo 2/3: switching to Redis PUB/SUB, live, without dropping anyone."))
          << switchTo(BackplaneMode::PubSub) << pause(ms(1200))
          << sendFrom(0, QStringLiteral("Trying again, now over the Redis backplane."));
    steps << pause(ms(900))
          << sendFrom(last, QStringLiteral("Got it! Every node relays through Redis now."))
          << pause(ms(900));
    steps << say(QStringLiteral("PUB/SUB: every message crossed to every node (✓ in every column). "
                                "While Redis is down, though, pub/sub loses messages."))
          << pause(ms(3500));
    steps << say(
        QStringLiteral("Guided demo 3/3: Redis STREAMS: one order per room, and nothing lost "
                       "while Redis is briefly away."))
          << switchTo(BackplaneMode::Streams) << pause(ms(1200))
          << sendFrom(0, QStringLiteral("Streams: same chat, ordered and replayable."));
    steps << pause(ms(900))
          << sendFrom(last, QStringLiteral("Try Faults → Stop Redis, send, then restart it."))
          << pause(ms(1500));
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
