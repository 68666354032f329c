#pragma once

#include "core/result.h"
#include "launcher/haproxyinstance.h"
#include "protocol/backplanemode.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>

namespace farmchat {

// One step of the guided demo's script.
struct DemoStep
{
    enum class Kind { Say, SwitchMode, Send, Pause, Balancer };
    Kind kind = Kind::Say;
    QString text; // Say: the narration; Send: the chat line
    int pane = 0; // Send: which pane sends
    BackplaneMode mode = BackplaneMode::Off; // SwitchMode
    int pauseMs = 0; // Pause
    int node = 0; // Balancer: which node
    LbServerAdmin admin = LbServerAdmin::Ready; // Balancer: what HAProxy does with it
};

// The "Guided demo": a scripted conversation sent from the panes with the
// backplane off (messages stay on their node; the matrix shows them missing
// elsewhere), then pub/sub (they cross), then streams, narrated step by step
// so a user sees the problem and the fix without typing. Behind a load
// balancer a fourth chapter puts a node in maintenance through HAProxy's
// runtime API (its panes move to the other nodes and catch up) and back. It only calls the
// hooks it is given, so tests run it against fakes; MainWindow hooks it to
// FarmWorkspace and shows the narration in the status bar.
class GuidedDemo : public QObject
{
    Q_OBJECT
public:
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
    };

    explicit GuidedDemo(Hooks hooks, QObject *parent = nullptr);

    // The script for a farm of `panes` panes (at least one); pauses scaled by
    // `pace` (1.0: normal). `balancer` not None: the load-balancer chapter too.
    static QList<DemoStep> script(int panes, double pace = 1.0, LbPolicy balancer = LbPolicy::None);

    bool isRunning() const { return m_running; }
    int currentStep() const { return m_next - 1; }
    int stepCount() const { return int(m_steps.size()); }

public Q_SLOTS:
    void start(const QList<DemoStep> &steps);
    void cancel();

Q_SIGNALS:
    void narration(const QString &text);
    void stepStarted(int step, int total);
    // Ok when every step ran; else a mode switch or balancer step failed (the error says why)
    // or the demo was cancelled.
    void finished(const farmchat::Result<void> &outcome);

private:
    void runNext();
    void fail(const QString &error);
    void finish(const Result<void> &outcome);

    Hooks m_hooks;
    QList<DemoStep> m_steps;
    QTimer m_timer;
    int m_next = 0;
    quint64 m_run = 0; // bumped per start/cancel so a late switch answer is ignored
    bool m_running = false;
};

} // namespace farmchat
