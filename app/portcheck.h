#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QStringList>
#include <QTimer>

namespace farmchat {

// Whether the ports the next farm would use are free, and who holds the ones
// that are not: a sentence the farm bar shows under its base port. Probing
// (PortProbe: a bind, and naming an owner scans /proc) runs on a worker
// thread, so the GUI thread never waits for it. FarmWorkspace owns one and
// feeds it the ports it plans and whether the farm is stopped.
// What one probe found: a sentence per taken port, and the base of a run of
// free ports nearby to suggest instead (0: none found, or nothing taken).
struct PortProbeVerdict
{
    QStringList problems;
    quint16 suggestion = 0;
};

class PortCheck : public QObject
{
    Q_OBJECT
public:
    // Edits come in bursts: check a moment after the last one.
    static constexpr int kCheckDelayMs = 200;
    // Ports may be freed or taken by others while the farm is stopped.
    static constexpr int kRecheckMs = 3000;

    explicit PortCheck(QObject *parent = nullptr);

    // The farm would use `nodes` ports from `basePort`; a check follows kCheckDelayMs later.
    void setPorts(quint16 basePort, int nodes);
    // Active while the farm is stopped: checks after each change and every
    // kRecheckMs. Inactive while it runs (its ports are its own then): no
    // checks, and no problem.
    void setActive(bool active);
    bool isActive() const { return m_active; }

    // The sentence shown under a taken port; empty when every port is free.
    QString problem() const { return m_problem; }
    // While there is a problem: a base port whose run is free now (0: none found).
    quint16 suggestion() const { return m_suggestion; }

public Q_SLOTS:
    // Probes now, off the GUI thread; problemChanged() follows when the verdict changes.
    void checkNow();

Q_SIGNALS:
    // The problem or the suggestion changed.
    void problemChanged(const QString &problem);

private:
    void scheduleCheck();
    void onProbeFinished();
    void setProblem(const QString &problem, quint16 suggestion = 0);

    QFutureWatcher<PortProbeVerdict> m_probe; // the newest probe only
    QTimer m_checkTimer;
    QTimer m_recheckTimer;
    QString m_problem;
    quint16 m_suggestion = 0;
    quint16 m_basePort = 0;
    int m_nodes = 0;
    bool m_active = false;
};

} // namespace farmchat
