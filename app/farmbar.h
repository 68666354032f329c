#pragma once

#include "launcher/farmstate.h"
#include "launcher/lbpolicy.h"
#include "launcher/nodekind.h"
#include "launcher/redisconfig.h"
#include "protocol/backplanemode.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace farmchat {

class ElidedLabel;
class FarmWorkspace;

// The farm bar along the top: node count (1–8; another number is flagged
// with the range, not dropped), base port with the verdict of the
// workspace's port check (the field is flagged, a line under the fields says
// which port is taken, by whom, and offers a free one; Launch waits until it
// is fixed; a bad node count and a taken port are both said at once), the nodes' server (FarmChat
// or ASP.NET Core, which has no streams and no Sentinel client), backplane mode, load balancer
// (none, round-robin, sticky, source) with the panes' skip-negotiation switch, Redis topology
// (single, sentinel, cluster), Launch / Stop, and progress while the farm starts. It shows what
// FarmWorkspace holds and follows its change signals; a user's edit leaves as a request signal,
// and MainWindow hands it to the
// workspace, which decides.
class FarmBar : public QWidget
{
    Q_OBJECT
public:
    explicit FarmBar(FarmWorkspace &workspace, QWidget *parent = nullptr);

    // What the bar shows.
    int nodes() const;
    quint16 basePort() const;
    NodeKind nodeKind() const;
    BackplaneMode mode() const;
    LbPolicy loadBalancer() const;
    RedisTopology redisTopology() const;
    bool skipNegotiation() const;
    // The sentence shown under a taken port; empty when every port is free.
    QString portProblem() const;
    // Why Launch is not offered now (a taken port, a node count out of
    // range), or empty: the Launch action asks it as the button does.
    QString launchProblem() const;
    // What the bar says under its fields: a node count out of range and a
    // taken port, each on its own label, both shown when both are wrong.
    QString problemText() const;
    ElidedLabel *nodesProblemLabel() const { return m_nodesStatus; }
    ElidedLabel *portProblemLabel() const { return m_portStatus; }
    // "Use 9102": takes the port check's suggestion (hidden without one).
    QToolButton *suggestionButton() const { return m_usePort; }

    QPushButton *launchButton() const { return m_launch; }
    QPushButton *stopButton() const { return m_stop; }
    QComboBox *nodeKindCombo() const { return m_kind; }
    QComboBox *modeCombo() const { return m_mode; }
    QComboBox *loadBalancerCombo() const { return m_lb; }
    QComboBox *redisTopologyCombo() const { return m_redis; }
    QCheckBox *skipNegotiationBox() const { return m_skipNegotiation; }
    QSpinBox *nodesSpin() const { return m_nodes; }
    QSpinBox *basePortSpin() const { return m_basePort; }

Q_SIGNALS:
    void launchRequested();
    void stopRequested();
    // The user edited the node count or base port, or picked a mode.
    void nodesRequested(int nodes);
    void basePortRequested(quint16 port);
    void nodeKindRequested(farmchat::NodeKind kind);
    void modeRequested(farmchat::BackplaneMode mode);
    void loadBalancerRequested(farmchat::LbPolicy policy);
    void skipNegotiationRequested(bool skip);
    void redisTopologyRequested(farmchat::RedisTopology topology);

private:
    void fillChoices();
    void createLayout();
    void showNodeKind(NodeKind kind);
    // Offers ASP.NET Core only when its node is there (it needs the .NET SDK to build).
    void checkAspNetCoreNode();
    void showMode(BackplaneMode mode);
    void showLoadBalancer(LbPolicy policy);
    void showRedisTopology(RedisTopology topology);
    void showStreamsChoice();
    // Enables what makes sense in `state` (no farm edits while it runs, etc.).
    void showFarmState(FarmState state);
    void showProgress(int step, int total, const QString &text);
    void showPortProblem(const QString &problem);
    void onNodesEdited(int nodes);
    void showProblems();

    FarmWorkspace &m_workspace;
    QSpinBox *m_nodes;
    QSpinBox *m_basePort;
    // On a line of their own under the fields, shown only while something is
    // wrong; they elide rather than widen the window past the screen (the
    // whole text is the tooltip), as the progress line does.
    QWidget *m_problems;
    ElidedLabel *m_nodesStatus;
    ElidedLabel *m_portStatus;
    QToolButton *m_usePort;
    QString m_nodesProblem; // the node count typed is out of range
    QComboBox *m_kind;
    QComboBox *m_mode;
    QComboBox *m_lb;
    QComboBox *m_redis;
    QCheckBox *m_skipNegotiation;
    QPushButton *m_launch;
    QPushButton *m_stop;
    QProgressBar *m_progress;
    ElidedLabel *m_progressText;
};

} // namespace farmchat
