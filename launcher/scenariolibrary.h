#pragma once

#include "core/result.h"
#include "launcher/scenario.h"

#include <QList>
#include <QString>

namespace farmchat {

// The scenarios that ship with FarmChat, built into the programs (the
// scenarios/ folder of the source tree): the app lists them, and
// farmchat-launcher --scenario takes their names as well as file paths.
class ScenarioLibrary
{
public:
    struct Entry
    {
        QString name; // "sticky-session": the file name without .json
        QString title; // the scenario's own name
        QString description;
        QString path; // a Qt resource path, readable with QFile
    };

    static QList<Entry> bundled();
    // A file path, or the name of a bundled scenario; a file wins.
    static Result<Scenario> load(const QString &fileOrName);
    // "classic-two-nodes  The classic two-node problem and its fix" per line.
    static QString listing();
};

} // namespace farmchat
