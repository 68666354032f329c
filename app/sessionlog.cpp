#include "app/sessionlog.h"

#include "client/deliverytracker.h"
#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"
#include "launcher/managedprocess.h"

#include <QDateTime>

namespace farmchat {

namespace {

QString kindOfState(ProcessState state)
{
    if (isLive(state))
        return state == ProcessState::Healthy ? QStringLiteral("heal") : QStringLiteral("step");
    return QStringLiteral("fault");
}

} // namespace

SessionLog::SessionLog(FarmSupervisor &farm, QObject *parent) : QObject(parent), m_farm(farm)
{
    m_clock.start();
    m_startedAtMs = QDateTime::currentMSecsSinceEpoch();
    connect(&farm, &FarmSupervisor::started, this, [this] {
        // What each process is now; from here on every change is news.
        for (int i = 0; i < m_farm.processCount(); ++i) {
            if (const ManagedProcess *process = m_farm.process(i))
                m_lastState.insert(process->name(), processStateName(process->state()));
        }
        add(QStringLiteral("step"),
            tr("farm running: %1 nodes, backplane %2")
                .arg(m_farm.nodeCount())
                .arg(modeName(m_farm.backplane())));
    });
    connect(&farm, &FarmSupervisor::stopped, this, [this] {
        m_lastState.clear();
        add(QStringLiteral("step"), tr("farm stopped"));
    });
    connect(&farm, &FarmSupervisor::processChanged, this, &SessionLog::onProcessChanged);
    connect(&farm, &FarmSupervisor::backplaneRequestFinished, this,
        [this](BackplaneMode mode, int node, const Result<void> &switched) {
            const QString target = node < 0 || !m_farm.node(node)
                ? tr("backplane")
                : tr("backplane of %1").arg(m_farm.node(node)->name());
            if (switched)
                add(QStringLiteral("mode"), tr("%1 → %2").arg(target, modeName(mode)));
            else
                add(QStringLiteral("error"),
                    tr("%1 → %2 failed: %3").arg(target, modeName(mode), switched.error()));
        });
}

SessionLog::~SessionLog() = default;

void SessionLog::add(const QString &kind, const QString &text)
{
    m_events.append({m_clock.elapsed(), kind, text});
}

void SessionLog::onProcessChanged(int index)
{
    const ManagedProcess *process = m_farm.process(index);
    if (!process || m_farm.state() != FarmState::Running)
        return;
    const QString state = processStateName(process->state());
    QString &last = m_lastState[process->name()];
    if (last == state)
        return;
    last = state;
    add(kindOfState(process->state()), tr("%1: %2").arg(process->name(), state));
}

DeliveryReport SessionLog::report(const DeliveryTracker &tracker) const
{
    DeliveryReport report;
    report.title = tr("FarmChat session");
    report.description = tr("Everything the panes sent and received, as the delivery matrix "
                            "judged it, with what happened to the farm meanwhile.");
    report.startedAt = QDateTime::fromMSecsSinceEpoch(m_startedAtMs).toUTC().toString(Qt::ISODate);
    report.durationMs = m_clock.elapsed();
    report.farm << tr("nodes: %1").arg(m_farm.nodeCount())
                << tr("backplane: %1").arg(modeName(m_farm.backplane()));
    report.fillFromTracker(tracker, m_startedAtMs);
    report.timeline = m_events;
    return report;
}

} // namespace farmchat
