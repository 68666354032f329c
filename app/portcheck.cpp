#include "app/portcheck.h"

#include "app/appsettings.h"
#include "launcher/portprobe.h"

#include <QPromise>
#include <QThreadPool>

#include <memory>

namespace farmchat {

namespace {

// How far above the chosen base port a free run is looked for.
constexpr int kSuggestionSpan = 1000;

// The first base port above `base` whose `nodes` ports are all free now.
quint16 freeRunAbove(quint16 base, int nodes)
{
    for (int start = base + 1; start + nodes - 1 <= 65535 && start <= base + kSuggestionSpan;) {
        int taken = -1;
        for (int i = 0; i < nodes && taken < 0; ++i) {
            if (!PortProbe::check(quint16(start + i)))
                taken = start + i;
        }
        if (taken < 0)
            return quint16(start);
        start = taken + 1; // no run that holds the taken port
    }
    return 0;
}

} // namespace

PortCheck::PortCheck(QObject *parent) : QObject(parent)
{
    m_checkTimer.setSingleShot(true);
    m_checkTimer.setInterval(kCheckDelayMs);
    connect(&m_checkTimer, &QTimer::timeout, this, &PortCheck::checkNow);
    m_recheckTimer.setInterval(kRecheckMs);
    connect(&m_recheckTimer, &QTimer::timeout, this, &PortCheck::checkNow);
    connect(
        &m_probe, &QFutureWatcher<PortProbeVerdict>::finished, this, &PortCheck::onProbeFinished);
}

void PortCheck::setPorts(quint16 basePort, int nodes)
{
    if (basePort == m_basePort && nodes == m_nodes)
        return;
    m_basePort = basePort;
    m_nodes = nodes;
    scheduleCheck();
}

void PortCheck::setActive(bool active)
{
    if (active == m_active)
        return;
    m_active = active;
    if (active) {
        m_recheckTimer.start();
        scheduleCheck();
    } else {
        m_recheckTimer.stop();
        m_checkTimer.stop();
        setProblem({});
    }
}

void PortCheck::scheduleCheck()
{
    if (m_active)
        m_checkTimer.start();
}

void PortCheck::checkNow()
{
    if (!m_active)
        return;
    if (!AppSettings::portsFit(m_basePort, m_nodes)) {
        setProblem(tr("ports %1–%2 do not exist; lower the base port")
                       .arg(m_basePort)
                       .arg(int(m_basePort) + m_nodes - 1));
        return;
    }
    QList<quint16> ports;
    for (int i = 0; i < m_nodes; ++i)
        ports << quint16(m_basePort + i);
    // The watcher keeps only the newest probe; one that finishes after this
    // check is gone reports to nobody.
    auto promise = std::make_shared<QPromise<PortProbeVerdict>>();
    m_probe.setFuture(promise->future());
    promise->start();
    QThreadPool::globalInstance()->start([promise, ports, base = m_basePort, nodes = m_nodes] {
        PortProbeVerdict verdict;
        verdict.problems = PortProbe::check(ports);
        if (!verdict.problems.isEmpty())
            verdict.suggestion = freeRunAbove(base, nodes);
        promise->addResult(verdict);
        promise->finish();
    });
}

void PortCheck::onProbeFinished()
{
    if (!m_active || m_probe.future().resultCount() == 0)
        return;
    const PortProbeVerdict verdict = m_probe.future().result();
    const QStringList &problems = verdict.problems;
    if (problems.isEmpty())
        setProblem({});
    else if (problems.size() == 1)
        setProblem(problems.first(), verdict.suggestion);
    else
        setProblem(tr("%1 (and %2 more)").arg(problems.first()).arg(problems.size() - 1),
            verdict.suggestion);
}

void PortCheck::setProblem(const QString &problem, quint16 suggestion)
{
    if (problem == m_problem && suggestion == m_suggestion)
        return;
    m_problem = problem;
    m_suggestion = suggestion;
    Q_EMIT problemChanged(problem);
}

} // namespace farmchat
