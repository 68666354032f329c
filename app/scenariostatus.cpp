#include "app/scenariostatus.h"

#include "app/scenarioplay.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

namespace farmchat {

ScenarioStatus::ScenarioStatus(QWidget *parent)
    : QWidget(parent)
    , m_name(new QLabel(this))
    , m_progress(new QProgressBar(this))
    , m_stop(new QPushButton(tr("Stop scenario"), this))
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_name);
    layout->addWidget(m_progress);
    layout->addWidget(m_stop);
    m_name->setObjectName(QStringLiteral("scenarioName"));
    m_progress->setObjectName(QStringLiteral("scenarioProgress"));
    m_progress->setFormat(tr("step %v of %m"));
    m_progress->setMaximumWidth(fontMetrics().averageCharWidth() * 24);
    m_stop->setObjectName(QStringLiteral("stopScenario"));
    m_stop->setToolTip(tr("End the scenario now; it is judged on what ran"));
    connect(m_stop, &QPushButton::clicked, this, [this] {
        if (m_play)
            m_play->stop();
    });
    hide();
}

void ScenarioStatus::follow(ScenarioPlay *play)
{
    if (m_play)
        disconnect(m_play, nullptr, this, nullptr);
    m_play = play;
    setVisible(play != nullptr);
    if (!play)
        return;
    m_name->setText(tr("Scenario '%1'").arg(play->scenario().name));
    m_name->setToolTip(play->scenario().description);
    m_stop->show();
    m_progress->show();
    onProgress(play->currentStep(), play->stepCount());
    connect(play, &ScenarioPlay::progressed, this, &ScenarioStatus::onProgress);
    connect(play, &ScenarioPlay::finished, this,
        [this](bool passed, const QString &) { onFinished(passed); });
    connect(play, &QObject::destroyed, this, [this] { follow(nullptr); });
}

void ScenarioStatus::onProgress(int step, int steps)
{
    m_progress->setRange(0, std::max(1, steps));
    m_progress->setValue(step);
}

void ScenarioStatus::onFinished(bool passed)
{
    m_stop->hide();
    m_progress->hide();
    m_name->setText(passed ? tr("✓ Scenario '%1' passed").arg(m_play->scenario().name)
                           : tr("✕ Scenario '%1' failed").arg(m_play->scenario().name));
}

QString ScenarioStatus::text() const
{
    return m_name->text();
}

} // namespace farmchat
