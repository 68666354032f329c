#pragma once

#include "launcher/farmlinks.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace farmchat {

class ElidedLabel;
class FarmWorkspace;

// The Faults dock's link faults (shown in a popup under its "Links…"
// button): pick a node and one of its links (to
// Redis, or from the load balancer), then give it latency ± jitter, a
// bandwidth cap, a partition (bytes stop, connections stay open: half-open),
// reset its connections, or heal it. Every change applies at once, to open
// connections too (FarmSupervisor::setLinkFault); under the controls, what
// every faulted link suffers now. A farm without link proxies (Sentinel)
// shows why instead.
class LinkFaultControls : public QWidget
{
    Q_OBJECT
public:
    explicit LinkFaultControls(FarmWorkspace &workspace, QWidget *parent = nullptr);

    QComboBox *nodeBox() const { return m_node; }
    QComboBox *linkBox() const { return m_link; }
    QSpinBox *latencySpin() const { return m_latency; }
    QSpinBox *jitterSpin() const { return m_jitter; }
    QSpinBox *bandwidthSpin() const { return m_bandwidth; } // KiB/s, 0: no cap
    QCheckBox *partitionBox() const { return m_partition; }
    QPushButton *resetButton() const { return m_reset; }
    QPushButton *healButton() const { return m_heal; }
    // What the line says after the controls: every faulted link, or why there are none.
    QString summaryText() const;

private:
    void refresh();
    void rebuildChoices();
    // The chosen node and link, and the fault the controls describe.
    int chosenNode() const;
    NodeLink chosenLink() const;
    LinkFault faultFromControls() const;
    void showChosenFault();
    void apply();
    // A refused change shows why on the line (it was made with the line's own controls).
    void report(const Result<void> &done);

    FarmWorkspace &m_workspace;
    QLabel *m_heading;
    QComboBox *m_node;
    QComboBox *m_link;
    QSpinBox *m_latency;
    QSpinBox *m_jitter;
    QSpinBox *m_bandwidth;
    QCheckBox *m_partition;
    QPushButton *m_reset;
    QPushButton *m_heal;
    ElidedLabel *m_summary;
    bool m_showing = false; // controls set from the farm, not by the user
};

} // namespace farmchat
