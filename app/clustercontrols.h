#pragma once

#include <QWidget>

class QComboBox;
class QPushButton;

namespace farmchat {

class ElidedLabel;
class FarmWorkspace;

// The Faults dock's Redis line for a Redis Cluster farm, one compact row:
// how many shards are up (a paused one counts as down: it answers
// nothing), then a chooser of the cluster's servers (each shard's primary,
// and its replica when there is one) and Kill (SIGKILL), Pause/Resume
// (SIGSTOP/SIGCONT) and Restart (its nodes.conf brings it back into the
// cluster) for the chosen one. Servers are named as started: after a
// failover, "S2 replica" is the one serving shard 2.
class ClusterControls : public QWidget
{
    Q_OBJECT
public:
    explicit ClusterControls(FarmWorkspace &workspace, QWidget *parent = nullptr);

    // "kill", "pause", "restart"
    QPushButton *button(const QString &what) const;
    QComboBox *serverBox() const { return m_server; }
    QString stateText() const;

private:
    void refresh();
    void fillServers();
    // The process index of the chosen server; -1 when none.
    int chosenProcess() const;

    FarmWorkspace &m_workspace;
    ElidedLabel *m_state;
    QComboBox *m_server;
    QPushButton *m_kill;
    QPushButton *m_pause;
    QPushButton *m_restart;
};

} // namespace farmchat
