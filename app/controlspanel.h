#pragma once

#include "protocol/backplanemode.h"

#include <QList>
#include <QWidget>

class QAbstractButton;
class QAction;
class QButtonGroup;
class QCheckBox;
class QComboBox;
class QFrame;
class QGridLayout;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QToolButton;

namespace farmchat {

class ElidedLabel;
class LinkFaultControls;
class ClusterControls;
class SentinelControls;
class FarmWorkspace;

// The "Faults & controls" dock: the backplane switch for the whole farm
// (live, panes stay connected), Redis stop / kill / restart, and per node
// kill / restart / cut off the backplane, each with the state it is in now;
// with a load balancer also, per node, what HAProxy does with it (ready,
// drain: no new clients, maint: its clients cut off) through its runtime API.
// With Sentinels the Redis line is SentinelControls (kill or pause the
// primary, failover, kill a Sentinel, restart what is down).
// The mode buttons show FarmWorkspace's chosen mode and ask for another
// through modeRequested(); every other button calls FarmSupervisor through
// FarmWorkspace. The panes, the matrix and the topology react to what then
// happens.
class ControlsPanel : public QWidget
{
    Q_OBJECT
public:
    // Node rows per column of the node grid; more nodes start another column.
    static constexpr int kNodesPerColumn = 4;

    ControlsPanel(FarmWorkspace &workspace, QAction *guidedDemo, QWidget *parent = nullptr);

    QAbstractButton *modeButton(BackplaneMode mode) const;
    QPushButton *redisButton(const QString &what) const; // "stop", "kill", "restart"
    // The Redis line of a Sentinel farm (shown instead of the single server's).
    SentinelControls *sentinelControls() const { return m_sentinel; }
    ClusterControls *clusterControls() const { return m_cluster; }
    // The link faults (latency, bandwidth, partition, reset per node and
    // link), in a popup under the Redis line's "Links…" button.
    LinkFaultControls *linkControls() const { return m_links; }
    QToolButton *linksButton() const { return m_linksButton; }
    QPushButton *nodeButton(int node, const QString &what) const; // "kill", "restart"
    QCheckBox *cutOffBox(int node) const;
    // Ready / drain / maint of the node behind the load balancer (hidden without one).
    QComboBox *balancerBox(int node) const;
    QString nodeStateText(int node) const;
    QString redisStateText() const;

Q_SIGNALS:
    // The user picked a mode for the whole farm.
    void modeRequested(farmchat::BackplaneMode mode);
    // Rows were added, shown or hidden (nodes, balancer boxes, the Sentinel
    // line): the dock around the panel may have to grow.
    void layoutChanged();

private:
    struct NodeRow
    {
        QLabel *name;
        ElidedLabel *state;
        QPushButton *kill;
        QPushButton *restart;
        QCheckBox *cutOff;
        QComboBox *balancer;
    };
    // name, state, kill, restart, cut off, balancer
    static constexpr int kGridColumnsPerNode = 6;
    void showMode(BackplaneMode mode);
    static QString modeToolTip(BackplaneMode mode);
    QLabel *heading(const QString &text);
    QHBoxLayout *buildModeRow(QAction *guidedDemo);
    QHBoxLayout *buildRedisRow();
    void rebuildNodes();
    void refresh();
    void refreshNodeRow(int node);
    void announceIfReshaped(bool sentinel, bool balancer);
    void showLinksPopup();
    void refreshLinksButton();

    FarmWorkspace &m_workspace;
    QButtonGroup *m_modes;
    QLabel *m_restartNote; // shown for nodes that switch by restarting
    ElidedLabel *m_redisState;
    QPushButton *m_redisStop;
    QPushButton *m_redisKill;
    QPushButton *m_redisRestart;
    SentinelControls *m_sentinel;
    ClusterControls *m_cluster;
    QGridLayout *m_nodeGrid;
    QToolButton *m_linksButton;
    QFrame *m_linksPopup; // holds m_links
    LinkFaultControls *m_links;
    QList<NodeRow> m_nodes; // widgets are children of this
    int m_shape = -1; // the rows last shown (see announceIfReshaped())
};

} // namespace farmchat
