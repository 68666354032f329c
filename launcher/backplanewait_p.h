#pragma once

#include "core/result.h"
#include "protocol/backplanemode.h"

#include <QObject>
#include <QTimer>

#include <functional>

namespace farmchat {

class FarmSupervisor;

// Brings a running farm to one backplane mode and waits until every node's
// /health reports it (and a Redis link when the mode needs one): switches
// the farm when a node is elsewhere, then polls the nodes' health until
// they all agree, bounded by a deadline. The two chapters of --demo (FarmDemo
// and LbDemo) wait this way before each round.
class BackplaneWait : public QObject
{
    Q_OBJECT
public:
    static constexpr int kRecheckMs = 50;

    using Done = std::function<void(const Result<void> &ready)>;

    explicit BackplaneWait(FarmSupervisor &farm, QObject *parent = nullptr);
    ~BackplaneWait() override;

    // `switching` runs when a switch is needed (a note for the user); `done`
    // runs once: ok when every node reports `mode`, else why not ("switching
    // to pubsub failed: …", or a timeout). A running wait is abandoned.
    void start(BackplaneMode mode, int timeoutMs, std::function<void()> switching, Done done);
    // Abandons the wait; `done` is not called.
    void cancel();
    bool isRunning() const { return bool(m_done); }

private:
    void check();
    void finish(const Result<void> &ready);

    FarmSupervisor &m_farm;
    QTimer m_deadline;
    QTimer m_recheck;
    Done m_done;
    BackplaneMode m_mode = BackplaneMode::Off;
    bool m_switching = false;
};

} // namespace farmchat
