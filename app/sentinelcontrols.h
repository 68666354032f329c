#pragma once

#include <QWidget>

class QComboBox;
class QPushButton;

namespace farmchat {

class ElidedLabel;
class FarmWorkspace;

// The Faults dock's Redis line for a Sentinel farm, one compact row: the
// roles and quorum as the Sentinels report them (SentinelWatch), then kill
// the primary (SIGKILL), pause it (SIGSTOP; the button then resumes it with
// SIGCONT), force a failover (SENTINEL FAILOVER, asynchronous), kill the
// chosen Sentinel, and restart whatever is down. "The primary" is whichever
// server the Sentinels name now, so after a failover the same button hits
// the other server.
class SentinelControls : public QWidget
{
    Q_OBJECT
public:
    explicit SentinelControls(FarmWorkspace &workspace, QWidget *parent = nullptr);

    // "kill", "pause", "failover", "kill-sentinel", "restart"
    QPushButton *button(const QString &what) const;
    QComboBox *sentinelBox() const { return m_sentinel; }
    QString stateText() const;

private:
    void refresh();
    // The process index of the server to kill or pause: the primary the
    // Sentinels name, else the one started as primary.
    int primaryProcess() const;
    int pausedProcess() const;

    FarmWorkspace &m_workspace;
    ElidedLabel *m_state;
    QPushButton *m_kill;
    QPushButton *m_pause;
    QPushButton *m_failover;
    QComboBox *m_sentinel;
    QPushButton *m_killSentinel;
    QPushButton *m_restart;
};

} // namespace farmchat
