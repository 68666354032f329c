#include "launcher/demochapter_p.h"

#include <QTimer>

namespace farmchat {

DemoChapter::DemoChapter(FarmSupervisor &farm, ConsoleReporter &reporter, QObject *parent)
    : QObject(parent), m_farm(farm), m_reporter(reporter), m_backplane(farm)
{ }

DemoChapter::~DemoChapter() = default;

void DemoChapter::finishLater(bool passed, const QString &summary)
{
    cancel();
    QTimer::singleShot(0, this, [this, passed, summary] { Q_EMIT finished(passed, summary); });
}

} // namespace farmchat
