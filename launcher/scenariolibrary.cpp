#include "launcher/scenariolibrary.h"

#include <QDir>
#include <QFileInfo>

namespace farmchat {

namespace {

const QString kBundledDir = QStringLiteral(":/farmchat/scenarios");

} // namespace

QList<ScenarioLibrary::Entry> ScenarioLibrary::bundled()
{
    QList<Entry> entries;
    const QDir dir(kBundledDir);
    for (const QFileInfo &file :
        dir.entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
        // Bundled files are checked by the tests; one that fails to read is skipped, not fatal.
        const auto scenario = Scenario::load(file.filePath());
        if (!scenario)
            continue;
        entries.append(
            {file.completeBaseName(), scenario->name, scenario->description, file.filePath()});
    }
    return entries;
}

Result<Scenario> ScenarioLibrary::load(const QString &fileOrName)
{
    if (QFileInfo::exists(fileOrName) || fileOrName.contains(u'/') || fileOrName.endsWith(u".json"))
        return Scenario::load(fileOrName);
    const QString bundledPath = kBundledDir + u'/' + fileOrName + QStringLiteral(".json");
    if (QFileInfo::exists(bundledPath)) {
        auto scenario = Scenario::load(bundledPath);
        if (scenario)
            scenario->source = fileOrName;
        return scenario;
    }
    return Result<Scenario>::failure(
        QStringLiteral("%1: no such file, nor a bundled scenario (--list-scenarios names them)")
            .arg(fileOrName));
}

QString ScenarioLibrary::listing()
{
    QString text;
    for (const Entry &entry : bundled())
        text += QStringLiteral("%1  %2\n").arg(entry.name, -22).arg(entry.title);
    return text;
}

} // namespace farmchat
