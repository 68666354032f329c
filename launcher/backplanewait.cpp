#include "launcher/backplanewait_p.h"

#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"

namespace farmchat {

BackplaneWait::BackplaneWait(FarmSupervisor &farm, QObject *parent) : QObject(parent), m_farm(farm)
{
    m_deadline.setSingleShot(true);
    m_recheck.setSingleShot(true);
    connect(&m_recheck, &QTimer::timeout, this, &BackplaneWait::check);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        finish(Result<void>::failure(
            QStringLiteral("timed out switching the backplane to %1").arg(modeName(m_mode))));
    });
    connect(&m_farm, &FarmSupervisor::backplaneRequestFinished, this,
        [this](BackplaneMode mode, int node, const Result<void> &switched) {
            if (!m_switching || node != -1 || mode != m_mode)
                return;
            m_switching = false;
            if (!switched)
                return finish(Result<void>::failure(QStringLiteral("switching to %1 failed: %2")
                                                        .arg(modeName(mode), switched.error())));
            check();
        });
}

BackplaneWait::~BackplaneWait() = default;

void BackplaneWait::start(
    BackplaneMode mode, int timeoutMs, std::function<void()> switching, Done done)
{
    cancel();
    m_mode = mode;
    m_done = std::move(done);
    m_deadline.start(timeoutMs);
    bool switchNeeded = m_farm.backplane() != mode;
    for (int i = 0; i < m_farm.nodeCount(); ++i)
        switchNeeded = switchNeeded || m_farm.nodeBackplane(i) != mode;
    if (!switchNeeded)
        return check();
    m_switching = true;
    if (switching)
        switching();
    m_farm.setBackplane(mode);
}

void BackplaneWait::cancel()
{
    m_done = {};
    m_switching = false;
    m_deadline.stop();
    m_recheck.stop();
}

void BackplaneWait::check()
{
    if (!m_done || m_switching)
        return;
    bool ready = true;
    for (int i = 0; i < m_farm.nodeCount(); ++i) {
        FarmNode *node = m_farm.node(i);
        if (!node->health().carries(m_mode)) {
            ready = false;
            node->pollNow();
        }
    }
    if (!ready) {
        m_recheck.start(kRecheckMs);
        return;
    }
    finish({});
}

void BackplaneWait::finish(const Result<void> &ready)
{
    Done done = std::exchange(m_done, {});
    cancel();
    if (done)
        done(ready);
}

} // namespace farmchat
