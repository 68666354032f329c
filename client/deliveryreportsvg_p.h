#pragma once

#include "client/deliveryreport.h"

#include <QString>

// The inline SVG pictures of DeliveryReport::html(): the latency CDF and the
// timeline strip. Every string from the report is HTML-escaped here too.
namespace farmchat::reportsvg {

// "12.345": ms as seconds with three decimals.
QString secondsText(qint64 ms);
// The line colour of a backplane mode, the same in the chart and the tables.
QString modeColour(const QString &mode);
// Share of live arrivals (y, %) within a latency (x, ms), one line per mode.
QString latencyCdf(const QList<DeliveryReport::Group> &modes);
// Phases as bands, faults, heals and other events as markers over the run.
QString timelineStrip(const QList<DeliveryReport::Event> &events, qint64 durationMs);

} // namespace farmchat::reportsvg
