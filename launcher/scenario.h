#pragma once

#include "core/result.h"
#include "launcher/farmconfig.h"
#include "protocol/backplanemode.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace farmchat {

// A chat client of a scenario: a pane of one node, or of the load balancer.
struct ScenarioClient
{
    QString name; // also its pane id in the report
    int node = -1; // 0-based; -1 with viaBalancer
    bool viaBalancer = false;
    QStringList rooms; // lobby first, always
};

// One step, run in order; each waits for the one before it.
struct ScenarioStep
{
    enum class Kind {
        Phase, // later sends belong to this phase
        Send, // `count` messages from each of `from` to `room`, `rate` per second each
        Wait, // `ms`, or until `until` holds (bounded by `ms`)
        Control, // a control-channel op (the Faults dock's actions), run on the farm
    };
    enum class Until { Time, Settled, Connected, Backplane };

    Kind kind = Kind::Wait;
    QString where; // "steps[3]", for messages
    QString phase; // Phase
    QStringList from; // Send: client names
    QString room = QStringLiteral("lobby"); // Send
    int count = 1; // Send
    double rate = 10; // Send: messages per second per sender
    int ms = 0; // Wait
    Until until = Until::Time; // Wait
    QString op; // Control: its name
    QByteArray controlLine; // Control: the checked command, as the channel reads it

    QString describe() const; // "send 20 × alice → lobby at 10/s", "kill-redis"
};

// A bound a measured value must stay within.
struct ScenarioExpectation
{
    QString where; // "expect[1].lostUncounted"
    QString phase; // empty: the whole run
    std::optional<BackplaneMode> mode; // empty: every mode
    QString measure; // one of ScenarioExpectation::measures()
    std::optional<double> min, max; // numbers; a boolean measure uses min = max = 0/1

    // "phase 'redis-down', pubsub: lostUncounted ≤ 0"
    QString describe() const;
    static QStringList measures();
    static bool isBoolean(const QString &measure);
};

// A scenario file (docs/SCENARIOS.md): the farm, its clients, timed steps and
// the expectations a run is checked against. Parsed and checked whole before
// anything starts; every error names the file, the line or the field.
struct Scenario
{
    static constexpr int kSchemaVersion = 1;
    static constexpr int kMaxSteps = 500;
    static constexpr int kMaxClients = 64;
    static constexpr int kMaxMessages = 20000; // over the whole run
    static constexpr int kMaxWaitMs = 600000;

    QString source; // the file
    QString name;
    QString description;
    QStringList farmArguments; // the farm as launcher flags: "--nodes", "2", …
    FarmConfig farm;
    QList<ScenarioClient> clients;
    QList<ScenarioStep> steps;
    QList<ScenarioExpectation> expectations;
    int graceMs = 2000; // how late a promised message may be before it is late
    int settleTimeoutMs = 30000; // after the last step: until every message is judged
    int timeoutMs = 300000; // the whole run

    static Result<Scenario> parse(const QByteArray &json, const QString &source);
    static Result<Scenario> load(const QString &path);
};

} // namespace farmchat
