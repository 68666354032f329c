#pragma once

#include "app/portcheck.h"
#include "launcher/farmsupervisor.h"
#include "protocol/backplanemode.h"

#include <QWidget>

class QComboBox;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace farmchat {

class ElidedLabel;

// The farm bar along the top: node count (1–8), base port with a live
// conflict check by its PortCheck (the field turns red and says which port is
// taken, by whom),
// backplane mode, Launch / Stop, and progress while the farm starts. It holds
// the user's choices; MainWindow acts on its signals.
class FarmBar : public QWidget
{
    Q_OBJECT
public:
    explicit FarmBar(QWidget *parent = nullptr);

    int nodes() const;
    quint16 basePort() const;
    BackplaneMode mode() const;
    void setNodes(int nodes);
    void setBasePort(quint16 port);
    // Shows `mode` without emitting modeChosen().
    void setMode(BackplaneMode mode);

    // Enables what makes sense in `state` (no farm edits while it runs, etc.).
    void setFarmState(FarmState state);
    void setProgress(int step, int total, const QString &text);

    // The sentence shown under a taken port; empty when every port is free.
    QString portProblem() const { return m_portCheck.problem(); }
    QPushButton *launchButton() const { return m_launch; }
    QPushButton *stopButton() const { return m_stop; }
    QComboBox *modeCombo() const { return m_mode; }
    QSpinBox *nodesSpin() const { return m_nodes; }
    QSpinBox *basePortSpin() const { return m_basePort; }

public Q_SLOTS:
    // Probes the ports the farm would use now, on a worker thread (normally
    // a moment after an edit, and every few seconds while stopped);
    // portProblemChanged() follows when the verdict changes.
    void checkPorts() { m_portCheck.checkNow(); }

Q_SIGNALS:
    void launchRequested();
    void stopRequested();
    // The user picked a mode in the combo box.
    void modeChosen(farmchat::BackplaneMode mode);
    void portProblemChanged(const QString &problem);

private:
    void showPortProblem(const QString &problem);

    QSpinBox *m_nodes;
    QSpinBox *m_basePort;
    // Both elide: a long owner name or progress line must not widen the
    // window past the screen (the whole text is the tooltip).
    ElidedLabel *m_portStatus;
    QComboBox *m_mode;
    QPushButton *m_launch;
    QPushButton *m_stop;
    QProgressBar *m_progress;
    ElidedLabel *m_progressText;
    PortCheck m_portCheck;
};

} // namespace farmchat
