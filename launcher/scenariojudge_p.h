#pragma once

#include "client/deliveryreport.h"
#include "launcher/scenario.h"

#include <QHash>
#include <QStringList>

namespace farmchat {

class DeliveryTracker;

// What a scenario run measured besides the tracker's rows.
struct ScenarioMeasures
{
    const DeliveryTracker &tracker;
    const QStringList &phaseOfRow; // one per tracker row
    const QHash<QString, qint64> &phaseStartMs; // since the epoch
    const QHash<QString, int> &historyResets; // per phase
    const QHash<QString, int> &stickyFailures; // per phase
};

// Measures one expectation on the rows of its phase and mode, judged by
// judgeDeliveries (the app's and --demo's scoring), and says whether it held.
DeliveryReport::Expectation judgeExpectation(
    const ScenarioExpectation &expectation, const ScenarioMeasures &measures);

} // namespace farmchat
