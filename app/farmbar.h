#pragma once

#include "launcher/farmsupervisor.h"
#include "protocol/backplanemode.h"

#include <QFutureWatcher>
#include <QStringList>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace farmchat {

class ElidedLabel;

// The farm bar along the top: node count (1–8), base port with a live
// conflict check (the field turns red and says which port is taken, by whom),
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
    QString portProblem() const { return m_portProblem; }
    QPushButton *launchButton() const { return m_launch; }
    QPushButton *stopButton() const { return m_stop; }
    QComboBox *modeCombo() const { return m_mode; }
    QSpinBox *nodesSpin() const { return m_nodes; }
    QSpinBox *basePortSpin() const { return m_basePort; }

public Q_SLOTS:
    // Probes the ports the farm would use, on a worker thread (normally a
    // moment after an edit, and every few seconds while stopped);
    // portProblemChanged() follows when the verdict changes.
    void checkPorts();

Q_SIGNALS:
    void launchRequested();
    void stopRequested();
    // The user picked a mode in the combo box.
    void modeChosen(farmchat::BackplaneMode mode);
    void portProblemChanged(const QString &problem);

private:
    void scheduleCheck();
    void onProbeFinished();
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
    QFutureWatcher<QStringList> m_probe; // the newest port probe
    QTimer m_checkTimer; // debounce edits
    QTimer m_recheckTimer; // ports may be freed or taken while the farm is stopped
    QString m_portProblem;
    FarmState m_state = FarmState::Stopped;
};

} // namespace farmchat
