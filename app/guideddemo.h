#pragma once

#include "core/result.h"
#include "launcher/haproxyinstance.h"
#include "launcher/nodekind.h"
#include "protocol/backplanemode.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>

namespace farmchat {

// One thing a step of the guided demo does to the farm.
struct DemoAction
{
    enum class Kind { SwitchMode, Send, Pause, Balancer, ClearMatrix, Redis, Wait, Verdict };
    // What a Wait action waits for (bounded by its timeout).
    enum class Until { PanesConnected, RedisDown, RedisBack, Settled };
    Kind kind = Kind::Pause;
    QString text; // Send: the chat line
    int pane = 0; // Send: which pane sends
    BackplaneMode mode = BackplaneMode::Off; // SwitchMode
    int ms = 0; // Pause: how long; Wait: the timeout
    int node = 0; // Balancer: which node
    LbServerAdmin admin = LbServerAdmin::Ready; // Balancer: what HAProxy does with it
    bool up = true; // Redis: restart (true) or kill (false)
    Until until = Until::PanesConnected; // Wait
};

// One step the user reads: a title, a few sentences, and the actions that
// show it on the farm.
struct DemoStep
{
    QString title;
    QString narration;
    QList<DemoAction> actions;
};

// The "Guided demo": real steps with the backplane off (messages stay on
// their node), then pub/sub (they cross), then streams, then the lesson that
// tells the modes apart (Redis killed, a line sent in pub/sub and in streams,
// Redis back: pub/sub's counted loss against streams' late but complete
// delivery). Behind a load balancer a chapter on node maintenance follows.
// Going to a step runs its actions (Next and Back alike, so Back re-runs the
// previous step); auto-play moves on once a step's actions finished and a
// reading pause passed. It only calls the hooks it is given, so tests run it
// against fakes; MainWindow hooks it to FarmWorkspace and DemoPanel shows it.
class GuidedDemo : public QObject
{
    Q_OBJECT
public:
    static constexpr int kDefaultReadingPauseMs = 7000;

    struct Hooks
    {
        std::function<void(int pane, const QString &text)> send;
        // Switch the farm's backplane; call `done` with ok when every node did.
        std::function<void(
            BackplaneMode mode, std::function<void(const Result<void> &switched)> done)>
            switchMode;
        // Put node `node` into `state` behind the load balancer; `done` as for switchMode.
        std::function<void(
            int node, LbServerAdmin state, std::function<void(const Result<void> &done)> done)>
            setBalancer;
        std::function<void()> clearMatrix;
        // Kill Redis (up false) or start it again (up true); Wait actions follow.
        std::function<void(bool up)> redis;
        // Whether the farm has reached `until` now (polled by Wait actions).
        std::function<bool(DemoAction::Until until)> reached;
        // The verdict words on what the lesson sent (Verdict actions).
        std::function<QString()> verdict;
    };

    explicit GuidedDemo(Hooks hooks, QObject *parent = nullptr);

    // The steps for a farm of `panes` panes (at least one); pauses and waits
    // scaled by `pace` (1.0: normal). `balancer` not None: its chapter too.
    // `lesson`: the Redis outage step (only when the farm runs its own Redis).
    // Nodes of `kind` without streams skip the streams step and the lesson;
    // nodes that switch by restarting wait for the panes after each switch.
    static QList<DemoStep> script(int panes, double pace = 1.0, LbPolicy balancer = LbPolicy::None,
        bool lesson = true, NodeKind kind = NodeKind::FarmChat);

    bool isRunning() const { return m_running; }
    int currentStep() const { return m_current; }
    int stepCount() const { return int(m_steps.size()); }
    const DemoStep &step(int index) const { return m_steps.at(index); }
    // Whether the current step's actions are still running.
    bool isBusy() const { return m_running && !m_actionsDone; }
    bool autoPlay() const { return m_autoPlay; }
    // The pause after a step's actions before auto-play moves on.
    void setReadingPauseMs(int ms) { m_readingPauseMs = qMax(0, ms); }
    int readingPauseMs() const { return m_readingPauseMs; }
    // How MainWindow scales the script's pauses, and the gap between actions
    // (1.0: normal; tests go faster).
    void setPace(double pace) { m_pace = qMax(0.0, pace); }
    double pace() const { return m_pace; }

public Q_SLOTS:
    void start(const QList<DemoStep> &steps);
    void cancel();
    // The next step (or the end after the last); the previous one (re-run).
    void next();
    void back();
    void setAutoPlay(bool on);

Q_SIGNALS:
    void stepStarted(int step, int total, const QString &title, const QString &narration);
    // The step's actions finished (a failed one stops the demo instead).
    void stepActionsFinished(int step);
    // What a Verdict action found, shown under the narration.
    void verdictReady(const QString &text);
    void autoPlayChanged(bool on);
    // Ok when the last step was left; else a mode switch, balancer step or
    // wait failed (the error says why) or the demo was cancelled.
    void finished(const farmchat::Result<void> &outcome);

private:
    void goTo(int index);
    void runNextAction();
    void runAsync(const DemoAction &action);
    void poll(DemoAction::Until until, int deadlineMs);
    void actionsDone();
    int betweenActionsMs() const;
    void fail(const QString &error);
    void finish(const Result<void> &outcome);

    Hooks m_hooks;
    QList<DemoStep> m_steps;
    QTimer m_actionTimer; // the next action
    QTimer m_readingTimer; // auto-play's move to the next step
    int m_current = -1;
    int m_nextAction = 0;
    int m_readingPauseMs = kDefaultReadingPauseMs;
    double m_pace = 1.0;
    quint64 m_run = 0; // bumped per step, start and cancel so a late answer is ignored
    bool m_running = false;
    bool m_actionsDone = false;
    bool m_autoPlay = true;
};

} // namespace farmchat
