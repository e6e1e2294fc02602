"""What the demo's simulated members write, in English and French, with a mix of moods."""

from __future__ import annotations

INTRODUCTIONS = {"en": "Hi everyone, I'm {name}! Happy to be here.", "fr": "Bonjour à tous, moi c'est {name} ! Ravi d'être parmi vous."}
DEMO_TEXTS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "en": {
        "post": {
            "positive": ("Loved today's workshop, thanks everyone!", "Great news: my first project went live this week 🎉",
                         "This community is so helpful, I learned a lot from you all.", "Happy to share the slides from my talk, it went really well!"),
            "neutral": ("Here is what I tried this week.", "Does anyone have notes from Tuesday's session?", "Sharing the link to the meeting minutes.",
                        "What tools do you use to plan your week?", "I'm testing a new way to organise my notes."),
            "negative": ("I'm stuck on this problem for days and it's frustrating.", "The last update broke my setup, really annoying.",
                         "Honestly I'm disappointed nobody answered my question.", "Tough week, I feel overwhelmed."),
        },
        "reply": {
            "positive": ("Great point, thanks!", "Congrats, well deserved!", "That's brilliant, I'll try it.", "Thank you, this helps a lot!"),
            "neutral": ("Good question, I'm not sure.", "I did it the other way round.", "Which version are you using?", "Same here."),
            "negative": ("I don't agree, this never worked for me.", "Sorry, that sounds really bad.", "That's a shame, I had the same issue."),
        },
        "answer": {
            "positive": ("This week I finally finished my project, so proud!", "I learned to ask for help earlier, and it worked great."),
            "neutral": ("I tried a new routine, too early to say.", "Mostly meetings this week, nothing special."),
            "negative": ("Honestly it was a hard week, nothing went as planned.",),
        },
    },
    "fr": {
        "post": {
            "positive": ("J'ai adoré l'atelier d'aujourd'hui, merci à tous !", "Bonne nouvelle : mon premier projet est en ligne 🎉",
                         "Cette communauté est vraiment bienveillante, j'apprends beaucoup.", "Ravie de partager mes notes, la session était top !"),
            "neutral": ("Voici ce que j'ai testé cette semaine.", "Quelqu'un a les notes de la réunion de mardi ?", "Je partage le lien du compte rendu.",
                        "Quels outils utilisez-vous pour organiser votre semaine ?", "Je teste une nouvelle façon de prendre des notes."),
            "negative": ("Je bloque sur ce problème depuis des jours, c'est frustrant.", "La dernière mise à jour a tout cassé, vraiment pénible.",
                         "Franchement déçu que personne n'ait répondu à ma question.", "Semaine difficile, je suis débordée."),
        },
        "reply": {
            "positive": ("Excellente idée, merci !", "Bravo, bien mérité !", "Génial, je vais essayer.", "Merci beaucoup, ça m'aide vraiment !"),
            "neutral": ("Bonne question, je ne sais pas.", "Moi je fais l'inverse.", "Tu utilises quelle version ?", "Pareil pour moi."),
            "negative": ("Je ne suis pas d'accord, ça n'a jamais marché chez moi.", "Désolé, c'est vraiment pénible.", "Dommage, j'ai eu le même souci."),
        },
        "answer": {
            "positive": ("Cette semaine j'ai enfin terminé mon projet, très fière !", "J'ai appris à demander de l'aide plus tôt, et ça a super bien marché."),
            "neutral": ("J'ai testé une nouvelle routine, trop tôt pour dire.", "Surtout des réunions cette semaine, rien de spécial."),
            "negative": ("Franchement une semaine dure, rien ne s'est passé comme prévu.",),
        },
    },
}
