"""A question that asks for a time, a year or a number is answered only by a sentence that gives one."""

import pytest

from rag.text.askedkinds import fits, kind


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Quand est construite la première usine ?", "time"),
        ("Depuis quand la bourse de Brême a-t-elle adopté le programme ?", "time"),
        ("Jusqu'à quand les Américains doivent-ils reporter l'envoi d'aide ?", "time"),
        ("À quelle date de 2012 le Minitel devait-il cesser de fonctionner ?", "time"),
        ("Combien de temps Demeillez entraîne-t-il le CORT ?", "time"),
        ("When did the Normans conquer England?", "time"),
        ("How long did Huguenots keep French names?", "time"),
        ("En quelle année fut couronné le roi zoulou ?", "year"),
        ("Le roi zoulou fut couronné en quelle année ?", "year"),
        ("In what year was the treaty signed?", "year"),
        ("Combien de prisonniers ont échappé au massacre ?", "number"),
        ("How many people does the factory employ?", "number"),
        ("Quel âge avait-il ?", "number"),
        ("How much did the creation of the Wikidata project cost?", "number"),
        ("How much has a Lama agreed to be reborn?", None),  # "many times"
        ("How much of southern California is undeveloped?", None),  # "vast areas"
        ("À quelle altitude culmine le mont Maudit ?", "measure"),
        ("A quelle vitesse court le guépard ?", "measure"),
        ("Quelle est la superficie de l'agglomération de Berlin ?", "measure"),
        ("How high is Mont Blanc?", "measure"),
        ("What is the height of the tower?", "measure"),
        ("What was the length of his reign?", None),  # a time, in English
        ("In what area of this British colony were Huguenot land grants?", None),  # a place
        # « quand » and "when" inside the question do not ask for a time
        ("Who was the leader when the Franks entered the Euphrates valley?", None),
        ("Que fait le roi quand la guerre éclate ?", None),
        ("À quelle époque appartient la Nouvelle Bourse ?", None),  # « néo-gothique » answers it
        ("Pourquoi la Chine est-elle importante pour la Russie ?", None),
    ],
)
def test_the_kind_asked_is_read_from_unambiguous_interrogative_words(question, expected):
    assert kind(question) == expected


def test_a_time_is_a_date_a_period_or_a_phrase_that_places_it():
    for sentence in (
        "Une 3e Ordonnance a été publiée en 1849.",
        "Au XVIe siècle, la ville s'agrandit.",
        "Il rouvre ses portes deux ans plus tard.",
        "Baker meurt lors de la bataille de Ball's Bluff.",
        "La dette est dépréciée quand la France redevient royaliste.",
        "The volcano may erupt again at any moment, scientists said soon after.",
    ):
        assert fits("time", sentence), sentence
    assert not fits("time", "La première usine emploie des ouvriers de la région.")
    assert not fits("time", "The first factory is an old brick building.")  # "an" is an article, not a year
    assert not fits("time", "Mais il va devoir s'agrandir pour accueillir un flot continu de nouveaux déportés.")


def test_a_year_needs_a_year_and_a_number_needs_a_number():
    assert fits("year", "Le roi fut couronné en 1872 à Ulundi.")
    assert fits("year", "Au XIXe siècle, la ville s'agrandit.")
    assert not fits("year", "Le roi fut couronné peu après la mort de son père.")
    for sentence in (
        "L'usine emploie 800 personnes.",
        "Il compte une vingtaine de membres.",
        "None of the treaties did.",
        "Polonia won the cup twice as well.",
        "Un seul joueur a marqué.",
    ):
        assert fits("number", sentence), sentence
    assert not fits("number", "Les prisonniers furent libérés par les troupes alliées.")


def test_a_measure_needs_digits_or_a_unit_not_a_count():
    assert fits("measure", "Le mont Maudit culmine à 4 465 mètres.")
    assert fits("measure", "La cheminée s'ouvre un kilomètre plus au sud.")
    assert fits("measure", "Its width is a cubit and a half.")
    assert fits("measure", "Il a fait 12°C à Paris.")
    assert not fits("measure", "Une avalanche dans les Alpes françaises a causé la mort de neuf personnes.")
    assert fits("measure", "L'île recouvre 8 km2 et culmine à 268 m au-dessus du niveau de la mer.")
    assert fits("measure", "La superficie de l'agglomération de Berlin est de 892 km².")
    assert not fits("measure", "L'alarme a été activée vers 5 h 25 jeudi matin.")
    assert not fits("measure", "M. Dupont a gravi le sommet en juillet.")


def test_a_question_of_no_kind_is_fitted_by_any_sentence():
    assert fits(None, "Les prisonniers furent libérés par les troupes alliées.")


@pytest.mark.parametrize(
    ("question", "asking"),
    [
        (
            "À quelle altitude culmine le mont Maudit, où une avalanche a fait neuf morts en juillet 2012 ?",
            "À quelle altitude culmine le mont Maudit ?",
        ),
        (
            "Dans quelle mer Pékin poursuit-il ses ambitions, selon le compte rendu de l'échange ?",
            "Dans quelle mer Pékin poursuit-il ses ambitions ?",
        ),
        (
            "What role does China play for Russia's trade, according to the report on the Putin–Xi Jinping talks?",
            "What role does China play for Russia's trade?",
        ),
        (
            "Which Panthers player got a penalty, which gave the Broncos a new set of downs?",
            "Which Panthers player got a penalty?",
        ),
        # what precedes the comma does not ask: the clause after it does
        ("During the Bronco's playoff games, who did not throw at all?", None),
        ("If there is a conflict between EU law and national law, which law take precedence?", None),
        ("When the Franks entered Gaul, who was their leader?", None),
        ("Alors que la guerre éclate, qui dirige l'armée ?", None),
        ("Quand la guerre a-t-elle éclaté, selon l'article ?", "Quand la guerre a-t-elle éclaté ?"),
        ("How did the war end, according to the report?", "How did the war end?"),
        ("Qui est-il, selon lui ?", None),  # too short to ask alone
        ("Quel président a acté le retrait des États-Unis de l'Accord de Paris ?", None),  # no side clause
    ],
)
def test_the_asking_clause_leaves_out_a_last_clause_that_only_places_the_question(question, asking):
    from rag.text.askedkinds import asking_clause

    assert asking_clause(question) == (asking or question)
