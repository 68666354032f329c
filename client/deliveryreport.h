#pragma once

#include "client/deliveryverdict.h"
#include "core/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace farmchat {

class DeliveryTracker;

// What a farm run saw, ready to be written out: the farm, the timeline of
// steps and faults, the delivery matrix, the verdict and latencies per
// backplane mode and per phase, and each checked expectation. Filled by a
// scenario run (farmchat-launcher --scenario) or from the desktop app's
// session (File → Export session); written as one self-contained HTML page,
// as JSON, and the matrix as CSV (docs/SCENARIOS.md, "Reports").
struct DeliveryReport
{
    // One entry of the timeline, ms since the run started.
    struct Event
    {
        qint64 atMs = 0;
        QString kind; // "phase", "step", "fault", "heal", "mode", "note", "error"
        QString text;
    };
    // One cell of the matrix, as DeliveryTracker judged it.
    struct Cell
    {
        QString state; // deliveryStateName()
        qint64 latencyMs = -1;
        bool viaHistory = false;
    };
    struct Row
    {
        QString id;
        QString phase;
        QString sender; // pane id
        QString room;
        QString mode; // modeName()
        qint64 sentAtMs = 0; // since the run started
        bool refused = false;
        bool warned = false;
        QList<Cell> cells; // one per pane, in column order
    };
    struct Pane
    {
        QString id;
        QString node;
    };
    // A group of rows judged together: one backplane mode or one phase.
    struct Group
    {
        QString name;
        DeliveryVerdict verdict;
        QList<qint64> latenciesMs; // every first live arrival, sorted ascending
        qint64 p50Ms = -1, p99Ms = -1;
        int historyResets = 0; // phases only
    };
    struct Expectation
    {
        QString text; // "phase 'redis-down' (pubsub): lostUncounted ≤ 0"
        QString measured; // "3"
        bool passed = false;
    };

    QString title; // the scenario's name, or "Session"
    QString description;
    QString source; // the scenario file, empty for a session
    QString startedAt; // ISO 8601, UTC
    qint64 durationMs = 0;
    QStringList farm; // "nodes: 2", "redis-topology: sentinel", …
    QList<Pane> panes;
    QList<Row> rows;
    QList<Event> timeline;
    QList<Group> modes;
    QList<Group> phases;
    QList<Expectation> expectations;
    bool passed = true; // every expectation held (true when there are none)
    QString error; // the run stopped early: why

    // Fills panes, rows, modes (and phases, from `phaseOfRow`, one entry per
    // tracker row; empty: no phases) from a tracker. Sent times become
    // relative to `startedAtMs`.
    void fillFromTracker(
        const DeliveryTracker &tracker, qint64 startedAtMs, const QStringList &phaseOfRow = {});

    QJsonObject toJson() const;
    // id,phase,sender,room,mode,sent_ms,<pane…>: one row per message, each
    // pane cell "state" or "state:latency".
    QByteArray matrixCsv() const;
    // A single page, no network: inline CSS and SVG.
    QByteArray html() const;

    // Writes PATH as HTML, PATH with .json and .csv beside it (PATH ending
    // in .json or .csv writes only that one). Returns the files written.
    Result<QStringList> write(const QString &path) const;
};

// The latencies of `rows`' live first arrivals (not through History),
// sorted: what the report's percentiles and CDF, and a scenario's latency
// expectations, measure.
QList<qint64> liveLatenciesMs(const DeliveryTracker &tracker, const QList<int> &rows);

// p-th percentile (0…100) of sorted values, nearest rank; -1 when empty.
qint64 percentileOf(const QList<qint64> &sorted, int p);

} // namespace farmchat
