#pragma once

#include "launcher/processstate.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>

#include <cstdio>

namespace farmchat {

class FarmSupervisor;
class RedisClusterGroup;

// Prints what a FarmSupervisor does, either for a person (child output
// prefixed per process and coloured on a terminal, a table once the farm is
// healthy, crashes and errors on stderr) or for a program (--json: one JSON
// object per line on stdout, nothing else there). Never prints a secret.
// Used by LauncherCli; FarmDemo prints its matrix through it.
class ConsoleReporter : public QObject
{
    Q_OBJECT
public:
    ConsoleReporter(FarmSupervisor &farm, bool json, QObject *parent = nullptr);

    bool isJson() const { return m_json; }
    bool hasColour() const { return m_colour; }
    // Writes nothing at all: a scenario played in the app narrates in its
    // window, and the app's terminal gets no launcher output.
    void setSilent(bool silent) { m_silent = silent; }

    // A line of the launcher's own (stderr; a "note" event in JSON mode).
    void note(const QString &text);
    void printError(const QString &text);
    // Plain text for a person on stdout (text mode only).
    void print(const QString &text);
    // One JSON event on stdout (JSON mode only); "event" is set to `name`.
    void jsonEvent(const QString &name, QJsonObject fields = {});
    // The same on stdout whatever the mode: the control channel's replies,
    // which a program reads even when the events are a table for a person.
    void machineEvent(const QString &name, QJsonObject fields);
    // `text` in the colour of process `name` (when colour is on).
    QString coloured(const QString &name, const QString &text) const;

private:
    void reportScaling(); // nodes that join or leave a running farm
    void onProcessChanged(int index);
    void onStarted();
    void printTable();
    // The ready event's redis.shards: slots, primary and replica per shard.
    QJsonArray clusterShards(const RedisClusterGroup &cluster) const;
    void write(std::FILE *stream, const QString &text) const;

    FarmSupervisor &m_farm;
    struct Seen
    {
        ProcessState state {};
        qint64 startedPid = 0;
    };
    QHash<QString, Seen> m_seen; // by process name: events on transitions only
    bool m_json;
    bool m_colour;
    bool m_silent = false;
};

} // namespace farmchat
