#pragma once

#include "client/deliveryreport.h"
#include "client/deliverytracker.h"

#include <QStringList>

// Farm runs fed into a DeliveryTracker on a fake clock, turned into
// DeliveryReports: the small one tst_deliveryreport checks number by number,
// and the realistic sample farmchat_report_sample writes for the HTML check
// in Chromium and docs/screenshot-report.png.
namespace farmchat::testing {

struct ReportFarm
{
    static constexpr qint64 kStart = 1'700'000'000'000; // the run's start, ms since the epoch

    DeliveryTracker tracker;
    qint64 now = kStart;
    QStringList phaseOfRow;

    ReportFarm();
    // `at`, `after`: ms since kStart.
    int send(const QString &id, const QString &phase, BackplaneMode mode, const QString &sender,
        const QString &room, qint64 at);
    void receive(const QString &pane, const QString &id, const QString &room, qint64 at,
        bool fromHistory = false);
    // Moves the clock `after` ms past the start and turns overdue cells Missing.
    void settle(qint64 after);
};

// Panes P1 (node-a; lobby) and P2 (node-b; lobby and two hostile rooms).
// Phase "warm-up" in off mode: m-off-1 (P1, lobby, 5 ms), m-off-2 (P2 in room
// `a,"b"`, 30 ms). Phase "redis-down" in pubsub: m-ps-1 late in P2 (3000 ms),
// m-ps-2 missing in P2, m-ps-3 in room `<script>alert(1)</script>`.
void buildSmallRun(ReportFarm &farm);
// The report of buildSmallRun(), with farm, timeline and two expectations.
DeliveryReport smallReport(ReportFarm &farm);

// Three panes on three nodes, ~30 messages over phases warm-up (off),
// redis-down and recovered (pubsub), four expectations, one failing.
DeliveryReport sampleReport();

} // namespace farmchat::testing
