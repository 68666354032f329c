#pragma once

#include "client/deliveryreport.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>

namespace farmchat {

class FarmSupervisor;
class DeliveryTracker;

// The desktop app's session as File → Export session writes it: what the
// farm did (started, stopped, each process killed, restarted or paused, each
// backplane switch, each fault and what the app said about it), timed from
// the start of the session, and the delivery matrix at the moment of the
// export, judged as the matrix judges it. The report is the one a scenario
// run writes (docs/SCENARIOS.md, "Reports").
class SessionLog : public QObject
{
    Q_OBJECT
public:
    explicit SessionLog(FarmSupervisor &farm, QObject *parent = nullptr);
    ~SessionLog() override;

    // `kind` as in DeliveryReport::Event: "fault", "heal", "mode", "note", "error", …
    void add(const QString &kind, const QString &text);
    const QList<DeliveryReport::Event> &events() const { return m_events; }
    // The report of the session so far: its timeline, the farm and `tracker`'s matrix.
    DeliveryReport report(const DeliveryTracker &tracker) const;

private:
    void onProcessChanged(int index);

    FarmSupervisor &m_farm;
    QElapsedTimer m_clock;
    qint64 m_startedAtMs = 0; // since the epoch
    QList<DeliveryReport::Event> m_events;
    QHash<QString, QString> m_lastState; // per process: the state last logged
};

} // namespace farmchat
