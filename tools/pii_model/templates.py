"""Training templates for the PII model, in the registers people write prompts in.

Slots: ``{full}``, ``{first}``, ``{last}``, ``{nick}`` (a person; a digit after it, as in
``{full2}``, is another person) and ``{street}`` are labelled (PERSON, ADDRESS). The others fill
text the model must learn to leave alone: ``{city}``, ``{country}``, ``{month}``, ``{weekday}``,
``{Word}`` (a capitalised ordinary word), ``{Field}`` (a schema title or column), ``{product}``,
``{team}``, ``{email}``, ``{phone}``, ``{num}``, ``{date}``, ``{ident}`` (a code identifier).

The held-out templates used for measurement live in tools/pii_model/heldout.py and are never
read here.
"""

from __future__ import annotations

#: One-line sentences with people in them: introductions, answers, requests, narrative.
SENTENCES = (
    # introductions and answers
    "my name is {first}", "My name is {first}.", "Hi, my name is {full} and I need help.",
    "Hello! I'm {first}, the new intern.", "I'm {first} and I'd like to change my booking.",
    "hey, this is {first} from {team}", "Hi all, this is {first}.", "This is {full} speaking.",
    "Name's {first}.", "i am {first}, nice to meet you", "It's {first} again, from yesterday.",
    "{first} here - quick question about the invoice.", "You can call me {nick}.",
    "Everyone calls me {nick}, honestly.", "Friends call me {nick} but my name is {first}.",
    "Please just call me {nick}.", "my friends know me as {nick}",
    "Last name? {last}.", "Surname: {last}", "Family name is {last}.",
    "It's {last}, spelled the usual way.", "The booking is under {last}.",
    "Reservation under the name {last}, party of {num}.", "I'm Mrs {last}'s assistant.",
    "Q: What's your first name?\nA: {first}", "Q: and your last name?\nA: {last}",
    "What is your last name? {last}", "- What's your surname?\n- {last}",
    "First name: {first}\nLast name: {last}", "Given name {first}, family name {last}.",
    # requests mentioning people
    "Write a thank-you note to {full} for the flowers.", "Can you summarise {first}'s report?",
    "Draft an email to {full} about the {month} offsite.",
    "Translate this message from {first} into French.",
    "Please forward the contract to {full} at {email}.", "Ask {first} whether {first2} is free.",
    "Remind {first} and {first2} about {weekday}'s review.",
    "Tell {last} that the shipment to {city} is late.", "Send the slides to Dr. {last}.",
    "Prof. {last} asked for the grades by {weekday}.", "Mr. {last} called twice this morning.",
    "Ms {last} will join the call from {city}.", "Our new hire {full} starts on {date}.",
    "I met {full} at the conference in {city} last {month}.",
    "{full} was promoted to head of {team}.", "{first} left the company in {month}.",
    "{full} and {full2} co-wrote the paper.", "Thanks to {first}, {first2} and {first3}!",
    "our founders: {last}, {last2} and {last3}", "Authors: {last}, {last2}, {last3}.",
    "The committee ({last}, {last2} and {last3}) approved it.",
    "Signed by {last} and {last2}.", "cc {first}, {first2}",
    "{first} said the build is broken again.", "Is {full} still the owner of this ticket?",
    "Can you check with {first} about the {product} licence?",
    "Grandma {first} turns {num} on {date}.", "My son {first} has a fever.",
    "My wife {first} and I are travelling to {city}.", "my manager {full} approved it",
    "My doctor, Dr {last}, prescribed antibiotics.", "Patient {full}, DOB {date}.",
    "The tenant, {full}, lives at {street}.", "Ship it to {full}, {street}, {city}.",
    "I live at {street}, {city}.", "Deliver to {street} before noon.",
    "Our office moved to {street}.", "Mail the cheque to {street}, {city} {num}.",
    "Address: {street}", "the parcel went to {street} instead of my place",
    "{first} {last} ({email}) asked to be unsubscribed.",
    "contact {first} on {phone} if the alarm goes off",
    "i talked to {first} yesterday and she said it's fine",
    "ok so {first} and me will do the slides", "lol {nick} forgot the keys again",
    "{first} from {team} wants the numbers by {weekday}.",
    "Who is {full}?", "Is {last} related to {full}?", "Find everything about {full}.",
    "I need a reference letter for {full}.", "Write a poem for {first}'s birthday.",
    "Happy birthday {first}!", "Congrats {first} on the new role!",
    "Meeting with {full} rescheduled to {weekday}.", "{full} - out of office until {date}.",
    # addressing someone, and relation words before a name (not part of it)
    "Thank you, {first}, for the feedback.", "Sorry to hear that, {first}.",
    "Good point, {first}!", "{first}, can you check this?", "Thanks again {first}",
    "Welcome aboard, {full}!", "Nice work {first} and {first2}.", "Morning {first}!",
    "this is my friend {full}", "my friend {first} recommended you", "our colleague {full}",
    "his sister {first} lives in {city}", "my cousin {full} is a nurse",
    "her husband {first} will pick it up", "I work with {full} on {product}.",
    "My landlord, {full}, won't return the deposit.", "our CEO {full} wrote back",
)

#: Text with no person in it, full of capitalised ordinary words, places and products.
NEGATIVES = (
    "Describe a cat as JSON with name and legs.", "Describe a dog as YAML with name and age.",
    "Return JSON with the fields Size, Width and Genre.", "Add a column called {Field}.",
    "Rename the field {Field} to {Field2}.", "The {Field} column is empty for most rows.",
    "Sort by {Field}, then by {Field2}.", "Give me a JSON Schema with title \"{Field}\".",
    "{Word} and {Word2}: a short guide.", "{Word} {Word2} {Word3}",
    "# {Word} {Word2}\n\n## {Field}\n\nSee {Word3} below.", "Chapter {num}: The {Word} of {Word2}",
    "Section {num} - {Field} and {Field2}", "Step {num}: {Word} the {Word2}.",
    "Convert this CSV to JSON.", "Summarise the {Word} report for {month}.",
    "What's the weather in {city} on {weekday}?", "Flights from {city} to {city2} in {month}.",
    "The {product} release ships on {weekday}.", "Upgrade {product} to version {num}.2.",
    "{product} vs {product2}: which is faster?", "How do I install {product} on {product2}?",
    "We moved the meeting to {weekday}, {month} {num}.", "Deadline: {weekday} {date}.",
    "The {team} team meets every {weekday}.", "Our {team} office is in {city}, {country}.",
    "Order Id, Customer Id and Total are required.", "Title, Author, Year, Publisher",
    "Set Width to {num} and Height to {num}.", "Color: Red, Size: Large, Material: Cotton",
    "I'm sorry, I can't make it today.", "I'm happy to help with that.",
    "This is important, please read.", "this is fine", "I'm Ready when you are.",
    "My name is not important here.", "Call me when you land.", "Call me Maybe is a song.",
    "Everyone calls it the {Word} {Word2}.", "The {Word} Room is on floor {num}.",
    "{country} won the match against {country2}.", "Visit {city} in {month}.",
    "Use the {ident} function to parse dates.", "Set {ident} = True in settings.",
    "Thanks, that worked!", "Hi, quick question about {product}.",
    "Q: What is the capital of {country}?\nA: {city}",
    "Q: Which month comes after {month}?\nA: The next one.", "Will it rain on {weekday}?",
    "May I ask a question?", "Grace period ends in {month}.", "Long live the {Word}!",
    "Hunter green and Rose gold are the new colors.", "Mark the task as Done.",
    "Bill the client for {num} hours.", "Jack up the price by {num} percent.",
    "Apple, Banana and Cherry are fruits.", "North, South, East and West.",
    "The Pacific, Atlantic and Indian oceans.", "Monday, Tuesday and Wednesday are busy.",
    "{Word}, {Word2} and {Word3}", "Price, Quantity and Discount", "Name, Email and Phone",
    "Write a function that takes a name and returns a greeting.",
    "The user's name is stored in the {ident} column.", "Enter your first name and last name.",
    "Fill in Name, Address and City.", "First Name | Last Name | City",
    "Generate a form with fields Name, Date of Birth and Address.",
    "She said the {Word} was {Word2}.", "He bought a {product} in {city}.",
    "Thank you, everyone, for the feedback.", "Sorry to hear that, team.", "Good point!",
    "Thanks again for the {Word} template.", "Welcome aboard, new hires!",
    "My friend recommended you.", "My cousin is a nurse in {city}.",
    "Our colleague from {team} will join.", "Morning all!", "Nice work on the {Field} fix.",
)

#: Speaker-labelled chat turns (a transcript is several of them).
CHAT_TURNS = (
    "can we move the call to {weekday}?", "sure, works for me", "what's the status of {product}?",
    "I'll send the numbers tonight", "did {first} sign off on it?", "yes, this morning",
    "ok thanks!", "who's handling {city}?", "I think {first2} is", "let me check with {last}",
    "the {Field} field is wrong in the export", "good catch", "ping me when it's done",
    "is {first} coming to the offsite?", "no idea, ask {nick}", "👍", "sounds good",
)

#: Column and key names of tables and records (keys, schema titles: never names).
FIELDS = ("Size", "Width", "Height", "Genre", "Order Id", "Status", "Summary", "Price",
          "Color", "Total", "Amount", "Category", "Description", "Title", "Quantity", "Weight",
          "Priority", "Region", "Score", "Rating", "Language", "Format", "Version", "Author",
          "Owner", "Type", "Level", "Stage", "Source", "Target", "Reason", "Notes", "Label",
          "Grade", "Model", "Brand", "Material", "Length", "Depth", "Duration", "Tags", "Unit",
          "Currency", "Country", "Created At", "Updated At", "Due Date", "Customer Id",
          "Account Type", "Risk Level", "Payment Method", "Ship Mode", "Legs", "Species")
WORDS = ("Convert", "Describe", "Summary", "Overview", "Introduction", "Guide", "Report",
         "Analysis", "Strategy", "Roadmap", "Budget", "Review", "Update", "Release", "Notes",
         "Draft", "Final", "Chapter", "Appendix", "Index", "Policy", "Template", "Checklist",
         "Agenda", "Minutes", "Proposal", "Invoice", "Receipt", "Contract", "Schedule",
         "Garden", "River", "Mountain", "Winter", "Summer", "Autumn", "Spring", "Ocean",
         "Forest", "Castle", "Bridge", "Tower", "Harbor", "Valley", "Golden", "Silver",
         "Crimson", "Azure", "Emerald", "Rapid", "Silent", "Hidden", "Ancient", "Modern",
         "Digital", "Global", "Local", "Quick", "Smart", "Simple", "Cloud", "Data", "Power",
         "Energy", "Health", "Travel", "Kitchen", "Library", "Museum", "Theatre", "Market",
         "Station", "Academy", "Office", "Studio", "Lab", "Field", "Street", "Park", "Hill",
         "Bay", "Lake", "Star", "Moon", "Sun", "Sky", "Stone", "Wood", "Iron", "Glass")
PRODUCTS = ("Postgres", "Kubernetes", "Excel", "Slack", "Jira", "Figma", "Photoshop", "Docker",
            "Terraform", "Windows", "Linux", "Android", "iPhone", "Kafka", "Redis", "Django",
            "React", "Tableau", "Salesforce", "SharePoint", "Outlook", "Zoom", "Teams",
            "Notion", "Grafana", "Prometheus", "Jenkins", "Ansible", "Nginx", "Spark",
            "BigQuery", "Snowflake", "Airflow", "PyTorch", "TensorFlow", "Copilot")
TEAMS = ("Finance", "Legal", "Sales", "Marketing", "Support", "Platform", "Security",
         "Accounts", "HR", "Procurement", "Research", "Design", "Operations", "Billing")
COUNTRIES = ("France", "Germany", "Japan", "Brazil", "Kenya", "Canada", "India", "Spain",
             "Italy", "Vietnam", "Korea", "Poland", "Turkey", "Norway", "Chile", "Egypt")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
IDENTS = ("first_name", "last_name", "user_name", "getName", "order_id", "parseDate",
          "customerName", "full_name", "displayName", "max_width", "to_json", "fetchUser")
SIGNOFFS = ("Best regards,", "Regards,", "Thanks,", "Cheers,", "Best,", "Sincerely,",
            "Kind regards,", "Many thanks,", "Warm wishes,", "--")
